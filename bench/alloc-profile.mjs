// Allocation profile of a server process, by call site, including objects the collector has
// already freed (node's own --heap-prof keeps only what is still live at exit): V8's sampling
// heap profiler through the inspector, written to $ALLOC_PROFILE_DIR (default: the working
// directory) every 10 s and at exit as alloc.<pid>.<thread>.heapprofile (Chrome DevTools'
// Memory tab opens it). Use: BENCH_SERVER_NODE_ARGS="--import ./bench/alloc-profile.mjs"
// ALLOC_PROFILE_DIR=/tmp/alloc npm run bench (docs/performance.md, "Allocation per reading").
import fs from 'node:fs';
import inspector from 'node:inspector';
import { threadId } from 'node:worker_threads';

const dir = process.env.ALLOC_PROFILE_DIR ?? process.cwd();
const session = new inspector.Session();
session.connect();
session.post('HeapProfiler.enable');
session.post('HeapProfiler.startSampling', {
  samplingInterval: 4096,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
const dump = () =>
  session.post('HeapProfiler.getSamplingProfile', (err, result) => {
    if (!err) fs.writeFileSync(`${dir}/alloc.${process.pid}.${threadId}.heapprofile`, JSON.stringify(result.profile));
  });
setInterval(dump, 10_000).unref();
process.on('exit', dump);

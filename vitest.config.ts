import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// Test files that start server processes or browsers, kill them, or wait on real time
// (lease expiries, takeovers, initdb, sweeps). Most of their time is spent waiting, not on
// the CPU, so two run at once (with the browser tests), after the in-process tests.
const processTests = [
  'server/test/apikey-cli.test.ts',
  'server/test/cluster.test.ts',
  'server/test/crash-durability.test.ts',
  'server/test/fuzz.test.ts',
  'server/test/multi-instance.test.ts',
  'server/test/outage.test.ts',
  'server/test/read-replicas.test.ts',
  'server/test/production-build.test.ts',
  'server/test/redis-outage.test.ts',
  'server/test/server-process.test.ts',
];

// Test files that measure latency or throughput: another test file beside them on two
// cores would measure that file. They run one at a time, last, with nothing beside them.
const timingTests = [
  // probe latency under attack
  'server/test/load-limits.test.ts',
  // p99 of 1,000 subscribers' deliveries
  'server/test/subscriber-fanout.test.ts',
  // 100,000 pushes within 200 ms
  'server/test/subscriptions-backpressure.test.ts',
  // stream ticks and checkpoint writes counted over a few seconds of wall clock, takeover within 15 s
  'server/test/trust-stream.test.ts',
];

// Files of the process and browser tests running at once.
const PROCESS_WORKERS = Number(process.env.PROCESS_TEST_WORKERS ?? 2);

// In-process tests (API tests on PGlite and PostgreSQL, the trust core, jsdom web tests)
// spend much of their time waiting on a database or a socket, so two run at once.
const IN_PROCESS_WORKERS = Number(process.env.TEST_WORKERS ?? 2);

export default defineConfig({
  test: {
    // The JSON report lets .ci/run print a plain "N passed, N failed" line; the durations
    // report feeds `npm run test:durations` (the slowest projects, files and tests).
    reporters: [
      'default',
      ['json', { outputFile: 'test-results/vitest.json' }],
      './server/test/support/durations-reporter.ts',
    ],
    projects: [
      {
        test: {
          name: 'server',
          include: ['server/**/*.test.ts'],
          exclude: [...processTests, ...timingTests],
          environment: 'node',
          // Files of one worker share its module cache: the app's modules are imported once
          // per worker, and the PGlite pool (server/test/support/pglite-pool.ts) hands the
          // threads one file started to the next file instead of each file starting its own.
          // Test files therefore leave no global state behind (env, timers, singletons).
          isolate: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
          maxWorkers: IN_PROCESS_WORKERS,
          sequence: { groupOrder: 0 },
        },
      },
      {
        plugins: [react()],
        test: {
          name: 'web',
          include: ['web/src/**/*.test.{ts,tsx}'],
          environment: 'jsdom',
          testTimeout: 20_000,
          maxWorkers: IN_PROCESS_WORKERS,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'processes',
          include: processTests,
          environment: 'node',
          // with a neighbour on two cores: a bound for a hung test, not a speed check
          testTimeout: 120_000,
          hookTimeout: 120_000,
          maxWorkers: PROCESS_WORKERS,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'timing',
          include: timingTests,
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['web/e2e/**/*.test.ts'],
          // One web build for every browser test file, not one per file.
          globalSetup: ['web/e2e/support/build-web-once.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // beside the process tests: the same group shares one pool of workers
          maxWorkers: PROCESS_WORKERS,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});

// What one fan-out frame costs each side, away from GraphQL: a `ws` server in this process
// writes one graphql-ws `next` frame (about 150 bytes, a dashboard push) to every socket of
// a client process, round after round; the server's CPU over its write loops and the
// client's CPU per frame read are reported.
// Server writes: `ws` (WebSocket.send on every socket, each net socket corked until the
// loop is over, as the socket fan-out wrote before) and `frame` (the whole WebSocket frame
// built once and written to each net socket as is, as ws-fanout-transport.ts does now).
// Clients: `ws` (the library, each message parsed with JSON.parse, as a plain client does)
// and `raw` (bench/ws-frames.ts, what bench/fanout-client.ts uses: frame header read,
// message start compared, nothing parsed).
//
//   npx tsx bench/ws-frame-cost.ts [sockets=2500] [rounds=20]
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { netSocketOf, serverTextFrame } from '../server/src/compat/ws-fanout-internals.js';
import { connectWebSocket } from './ws-frames.js';

const FRAME = JSON.stringify({
  type: 'next',
  id: '1',
  payload: { data: { dashboardUpdated: { sensorCount: 100, readingsLastHour: 123456, generatedAt: new Date() } } },
});
type Kind = 'ws' | 'raw';
type Write = 'ws' | 'frame';

async function client(kind: Kind, url: string, sockets: number): Promise<void> {
  let frames = 0;
  const onText = (text: Buffer) => {
    if (kind === 'ws') JSON.parse(text.toString());
    else if (text[2] !== 0x74) throw new Error('not a graphql-ws message'); // {"type"…
    frames++;
  };
  const opened: Promise<unknown>[] = [];
  for (let i = 0; i < sockets; i++) {
    if (kind === 'ws') {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      ws.on('message', (data: Buffer) => onText(data));
      opened.push(once(ws, 'open'));
    } else
      opened.push(
        new Promise<void>((resolve, reject) =>
          connectWebSocket(url, 'graphql-transport-ws', {
            open: () => resolve(),
            text: (_ws, message) => onText(message),
            error: reject,
            close: () => undefined,
          }),
        ),
      );
    if (i % 200 === 199) await Promise.all(opened.splice(0));
  }
  await Promise.all(opened);
  process.send!({ type: 'ready' });
  let mark = process.cpuUsage();
  let from = 0;
  process.on('message', (msg: { type: string; expect: number }) => {
    if (msg.type === 'mark') {
      mark = process.cpuUsage();
      from = frames;
      process.send!({ type: 'marked' });
    } else if (msg.type === 'until') {
      const check = () => {
        if (frames - from < msg.expect) return void setImmediate(check);
        const cpu = process.cpuUsage(mark);
        process.send!({ type: 'done', frames: frames - from, cpuUs: cpu.user + cpu.system });
      };
      check();
    } else if (msg.type === 'exit') process.exit(0);
  });
}

async function measure(write: Write, kind: Kind, sockets: number, rounds: number) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await once(wss, 'listening');
  const port = (wss.address() as { port: number }).port;
  const peers: WebSocket[] = [];
  wss.on('connection', (ws) => peers.push(ws));
  const child = fork(fileURLToPath(import.meta.url), ['client', kind, `ws://127.0.0.1:${port}/graphql`, `${sockets}`], {
    execArgv: ['--import', 'tsx'],
  });
  const reply = <T>(type: string) =>
    new Promise<T>((resolve) => {
      const on = (m: { type: string }) => {
        if (m.type !== type) return;
        child.off('message', on);
        resolve(m as T);
      };
      child.on('message', on);
    });
  await reply('ready');
  child.send({ type: 'mark' });
  await reply('marked');
  const text = Buffer.from(FRAME);
  const nets = peers.map((p) => netSocketOf(p)!);
  let serverUs = 0;
  for (let r = 0; r < rounds; r++) {
    const cpu0 = process.cpuUsage();
    if (write === 'ws') {
      const corked: Duplex[] = [];
      for (let i = 0; i < peers.length; i++) {
        nets[i]!.cork();
        corked.push(nets[i]!);
        peers[i]!.send(text, { binary: false });
      }
      for (const n of corked) n.uncork();
    } else {
      const frame = serverTextFrame(text);
      for (const n of nets) n.write(frame);
    }
    const cpu = process.cpuUsage(cpu0);
    serverUs += cpu.user + cpu.system;
    await new Promise((res) => setTimeout(res, 20));
  }
  child.send({ type: 'until', expect: sockets * rounds });
  const done = await reply<{ frames: number; cpuUs: number }>('done');
  child.send({ type: 'exit' });
  await once(child, 'exit');
  wss.close();
  for (const p of peers) p.terminate();
  const us = (v: number) => Math.round(v * 100) / 100;
  return {
    write,
    client: kind,
    sockets,
    frames: done.frames,
    serverCpuUsPerFrame: us(serverUs / (sockets * rounds)),
    clientCpuUsPerFrame: us(done.cpuUs / done.frames),
  };
}

if (process.argv[2] === 'client') {
  await client(process.argv[3] as Kind, process.argv[4]!, Number(process.argv[5]));
} else {
  const sockets = Number(process.argv[2] ?? 2500);
  const rounds = Number(process.argv[3] ?? 20);
  const rows = [];
  // Alternated, so a change of the machine's load falls on both of each pair.
  const runs: [Write, Kind][] = [
    ['ws', 'ws'],
    ['frame', 'raw'],
    ['ws', 'raw'],
    ['frame', 'ws'],
  ];
  for (const [write, kind] of runs) rows.push(await measure(write, kind, sockets, rounds));
  console.table(rows);
}

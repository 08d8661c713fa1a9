// Entry of the trust stream's worker thread (remote-trust-stream.ts starts it). Plain
// JavaScript on purpose: a worker thread gets no TypeScript loader under every runner. In
// the production build the compiled trust-stream-thread.js sits beside this file. From the
// sources, the thread registers tsx itself: the loader that `node --import tsx` (npm start)
// or vitest gives the main thread does not reach a worker thread on Node 20.
import { existsSync } from 'node:fs';

const compiled = new URL('./trust-stream-thread.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('./trust-stream-thread.ts', import.meta.url).href);
}

// Everything the benchmark starts or creates registers its undo here, so child
// servers and scratch databases go away on success, on errors and on Ctrl-C.
type Undo = { label: string; run: () => Promise<void> };

const undos: Undo[] = [];
let running: Promise<void> | null = null;

export function onCleanup(label: string, run: () => Promise<void>): () => void {
  const undo = { label, run };
  undos.push(undo);
  return () => {
    const i = undos.indexOf(undo);
    if (i >= 0) undos.splice(i, 1);
  };
}

/** Runs the registered undos newest first; safe to call more than once. */
export function cleanupAll(): Promise<void> {
  running ??= (async () => {
    while (undos.length > 0) {
      const undo = undos.pop()!;
      try {
        await undo.run();
      } catch (err) {
        console.error(`cleanup of ${undo.label} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  })();
  const done = running;
  return done.finally(() => {
    if (running === done) running = null;
  });
}

let interrupted = false;

/** True after SIGINT/SIGTERM: the runner stops and reports nothing. */
export function isInterrupted(): boolean {
  return interrupted;
}

export function installSignalHandlers(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    // `on`, not `once`: Ctrl-C reaches us twice (from the terminal and relayed by
    // tsx), and a second signal without a listener would kill us mid-cleanup,
    // orphaning the server and leaving the database behind.
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      console.error(`\n${signal}: stopping servers and dropping benchmark databases…`);
      void cleanupAll().finally(() => process.exit(130));
    });
  }
}

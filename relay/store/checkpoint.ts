// The WAL's checkpoints, on a thread of their own. SQLite copies the write-ahead log into the database
// file every so often (a checkpoint) and syncs that file; left to itself it does so inside whichever
// commit fills the log past 1000 pages, on the relay's thread: in a LoCoMo eval run here one such commit
// took 37.8 ms, every 4 MB written, with no socket answered meanwhile. The store turns that off
// (wal_autocheckpoint = 0) and starts this worker, which opens its own connection and, every `everyMs`,
// copies the log without holding up the relay's writes (PASSIVE) and, once all of it is copied, has the
// next write start the log over (RESTART, which finds nothing left to copy). A checkpoint with nothing
// new to copy takes about 0.04 ms and syncs nothing.
import { DatabaseSync } from "node:sqlite";

// deno-lint-ignore no-explicit-any
const inWorker = typeof (globalThis as any).WorkerGlobalScope !== "undefined";

if (inWorker) {
  self.onmessage = (e: MessageEvent<{ file: string; everyMs: number }>) => {
    const db = new DatabaseSync(e.data.file);
    // never waits for the relay's connection: a checkpoint that cannot go on now is done next time
    db.exec("pragma busy_timeout = 0");
    const passive = db.prepare("pragma wal_checkpoint(PASSIVE)"), restart = db.prepare("pragma wal_checkpoint(RESTART)");
    setInterval(() => {
      try {
        // the log copied without holding up the relay's writes; then, once all of it was, the next write
        // starts the log over (RESTART holds writes off for as long as it takes to find nothing left to copy)
        const r = passive.get() as { busy: number; log: number; checkpointed: number };
        if (!r.busy && r.log > 0 && r.checkpointed === r.log) restart.get();
      } catch (err) {
        // a checkpoint put off is done at the next one (or when the relay closes the database)
        console.error(`keepsake: checkpoint failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }, e.data.everyMs);
  };
}

/** Checkpoints `file`'s WAL every `everyMs` on another thread, until stopped. */
export function checkpoints(file: string, everyMs = 1000): { stop(): void } {
  const worker = new Worker(import.meta.url, { type: "module" });
  worker.postMessage({ file, everyMs });
  return { stop: () => worker.terminate() };
}

// Runs an extractor in a Deno Worker so that a large transcript never stalls the relay's event loop
// (sockets, REST, acks keep answering while the built-in extractor's NLP runs).
//
// In the relay: `new WorkerExtractor()` (main thread). This same file is the worker's entry point:
// inside a worker it answers `{ id, input }` messages with `{ id, facts }` or `{ id, error }`, and
// `{ id, warmMs }` (warm-up on made-up sessions, relay/extract/warmup.ts) with `{ id, facts: [] }`.
import type { ExtractInput, Extraction, Extractor, Fact } from "./extractor.ts";
import { extractFacts, readSession } from "./builtin.ts";
import { warmUpSession } from "./warmup.ts";
import process from "node:process";

type Reply = { id: number; facts: Fact[]; note?: string } | { id: number; error: string };

// deno-lint-ignore no-explicit-any
const inWorker = typeof (globalThis as any).WorkerGlobalScope !== "undefined";

/** what the worker is asked to do: extract a session, or warm up for `warmMs` */
type Work = { input: ExtractInput } | { warmMs: number };
type Request = Work & { id: number };

if (inWorker) {
  // compromise reads process.env.DEBUG_TAGS each time it sets a tag, and in Deno each read of
  // process.env is a call into the runtime: the worker reads a copy taken once (it sets no variables)
  Object.defineProperty(process, "env", { value: { ...process.env }, writable: true, configurable: true });
  self.onmessage = (e: MessageEvent<Request>) => {
    const { id } = e.data;
    let reply: Reply;
    try {
      if ("warmMs" in e.data) {
        for (let n = 0, until = performance.now() + e.data.warmMs; performance.now() < until; n++) extractFacts(warmUpSession(n));
        reply = { id, facts: [] };
      } else {
        const { facts, note } = readSession(e.data.input.turns, e.data.input.knownName, e.data.input.knownKin);
        reply = { id, facts, ...(note ? { note } : {}) };
      }
    } catch (err) {
      reply = { id, error: err instanceof Error ? err.message : String(err) };
    }
    self.postMessage(reply);
  };
}

type Done = { facts: Fact[]; note?: string };
interface Slot { worker: Worker | null; pending: Map<number, { resolve: (done: Done) => void; reject: (e: Error) => void }> }

/** The built-in extractor in `size` worker threads; each call goes to the one with the least in hand. */
export class WorkerExtractor implements Extractor {
  readonly name = "builtin";
  readonly readsAhead = true;
  readonly #slots: Slot[];
  #next = 0;

  constructor(size = 1) {
    this.#slots = Array.from({ length: Math.max(1, size) }, () => ({ worker: null, pending: new Map() }));
  }

  #start(slot: Slot): Worker {
    if (slot.worker) return slot.worker;
    const worker = new Worker(import.meta.url, { type: "module" });
    worker.onmessage = (e: MessageEvent<Reply>) => {
      const p = slot.pending.get(e.data.id);
      slot.pending.delete(e.data.id);
      if ("error" in e.data) p?.reject(new Error(e.data.error));
      else p?.resolve({ facts: e.data.facts, note: e.data.note });
    };
    worker.onerror = (e) => {
      e.preventDefault();
      // a crashed worker fails what it held; the queue retries those jobs, and the next call starts a new worker
      for (const p of slot.pending.values()) p.reject(new Error(`extractor worker failed: ${e.message}`));
      slot.pending.clear();
      slot.worker?.terminate();
      slot.worker = null;
    };
    return (slot.worker = worker);
  }

  extract(input: ExtractInput): Promise<Extraction> {
    const slot = this.#slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    return this.#send(slot, { input }).then(({ facts, note }) => ({ facts, extractor: "builtin", ...(note ? { note } : {}) }));
  }

  /** Starts every worker and has each extract made-up sessions for `ms`, so that the first real ones are not slow. */
  async warm(ms: number): Promise<void> {
    await Promise.all(this.#slots.map((slot) => this.#send(slot, { warmMs: ms })));
  }

  #send(slot: Slot, work: Work): Promise<Done> {
    const id = this.#next++;
    return new Promise<Done>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      this.#start(slot).postMessage({ id, ...work } satisfies Request);
    });
  }

  close(): void {
    for (const slot of this.#slots) {
      slot.worker?.terminate();
      slot.worker = null;
      for (const p of slot.pending.values()) p.reject(new Error("extractor closed"));
      slot.pending.clear();
    }
  }
}

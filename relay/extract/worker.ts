// Runs an extractor in a Deno Worker so that a large transcript never stalls the relay's event loop
// (sockets, REST, acks keep answering while the built-in extractor's NLP runs).
//
// In the relay: `new WorkerExtractor()` (main thread). This same file is the worker's entry point:
// inside a worker it answers `{ id, input }` messages with `{ id, facts }` or `{ id, error }`.
import type { ExtractInput, Extraction, Extractor, Fact } from "./extractor.ts";
import { extractFacts } from "./builtin.ts";

type Reply = { id: number; facts: Fact[] } | { id: number; error: string };

// deno-lint-ignore no-explicit-any
const inWorker = typeof (globalThis as any).WorkerGlobalScope !== "undefined";

if (inWorker) {
  self.onmessage = (e: MessageEvent<{ id: number; input: ExtractInput }>) => {
    const { id, input } = e.data;
    let reply: Reply;
    try {
      reply = { id, facts: extractFacts(input.turns, input.knownName) };
    } catch (err) {
      reply = { id, error: err instanceof Error ? err.message : String(err) };
    }
    self.postMessage(reply);
  };
}

export class WorkerExtractor implements Extractor {
  readonly name = "builtin";
  #worker: Worker | null = null;
  #next = 0;
  readonly #pending = new Map<number, { resolve: (f: Fact[]) => void; reject: (e: Error) => void }>();

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(import.meta.url, { type: "module" });
    worker.onmessage = (e: MessageEvent<Reply>) => {
      const p = this.#pending.get(e.data.id);
      this.#pending.delete(e.data.id);
      if ("error" in e.data) p?.reject(new Error(e.data.error));
      else p?.resolve(e.data.facts);
    };
    worker.onerror = (e) => {
      e.preventDefault();
      // a crashed worker fails what it held; the queue retries those jobs, and the next call starts a new worker
      for (const p of this.#pending.values()) p.reject(new Error(`extractor worker failed: ${e.message}`));
      this.#pending.clear();
      this.#worker?.terminate();
      this.#worker = null;
    };
    return (this.#worker = worker);
  }

  extract(input: ExtractInput): Promise<Extraction> {
    const id = this.#next++;
    return new Promise<Fact[]>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#start().postMessage({ id, input });
    }).then((facts) => ({ facts, extractor: "builtin" }));
  }

  close(): void {
    this.#worker?.terminate();
    this.#worker = null;
    for (const p of this.#pending.values()) p.reject(new Error("extractor closed"));
    this.#pending.clear();
  }
}

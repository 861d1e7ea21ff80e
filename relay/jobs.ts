// The durable extraction queue. Jobs live in the store, committed with the session's end; this
// worker takes them one at a time, so merges of one player's sessions never race. A job that
// throws is retried after `retryMs` × 2^(attempt − 1), up to `maxAttempts` attempts (counted at
// claim, so a job that crashes the relay counts too), then parked with its error on the session.
import type { MemoryAddResult } from "../sdk/src/protocol.ts";
import type { Extractor } from "./extract/extractor.ts";
import type { MemoryService } from "./memories.ts";
import { writeScopes } from "./store/scope.ts";
import type { Job, SessionRow, Store } from "./store/store.ts";

export type OnProcessed = (session: SessionRow, results: MemoryAddResult[]) => void;

export interface QueueOptions {
  maxAttempts: number;
  /** the first retry's delay; each later one doubles */
  retryMs: number;
}

export class ExtractionQueue {
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly store: Store,
    private readonly memories: MemoryService,
    private readonly extractor: Extractor,
    private readonly onProcessed: OnProcessed,
    private readonly opts: QueueOptions = { maxAttempts: 3, retryMs: 1000 },
  ) {}

  /** Makes sure the worker runs; call after a job was committed. */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running) { this.#again = true; return; }
    this.#running = this.#drain().finally(() => {
      this.#running = null;
      if (this.#again) { this.#again = false; this.kick(); }
    });
  }

  async #drain(): Promise<void> {
    for (let job; !this.#stopped && (job = await this.store.claimJob(this.opts.maxAttempts));) await this.#run(job);
    // jobs waiting for a retry: wake up when the first is due
    const next = await this.store.nextJobAt();
    clearTimeout(this.#timer);
    if (next !== null && !this.#stopped) {
      this.#timer = setTimeout(() => this.kick(), Math.max(0, Date.parse(next || "0") - Date.now()) + 5);
    }
  }

  async #run(job: Job): Promise<void> {
    try {
      const session = await this.store.getSession(job.sessionId);
      if (!session) throw new Error(`session ${job.sessionId} is gone`);
      // a session reopened after an idle end: only the turns added since are new
      const turns = (await this.store.getTurns(job.sessionId)).filter((t) => t.seq >= session.extractedCount);
      const scopes = writeScopes(session);
      const knownName = (await this.store.findBySlot(scopes[0], "name"))[0]?.value ?? undefined;
      const { facts, extractor, note } = await this.extractor.extract({ sessionId: job.sessionId, turns, knownName });
      const ops = await this.memories.plan(facts, scopes, job.sessionId);
      const results = await this.store.completeJob(job, ops, new Date().toISOString(), { extractor, note });
      this.onProcessed({ ...session, status: "processed", results, extractor, extractorNote: note ?? null }, results);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      console.error(`keepsake: extraction of session ${job.sessionId} failed (attempt ${job.attempts}): ${message}`);
      const retryAt = new Date(Date.now() + this.opts.retryMs * 2 ** (job.attempts - 1)).toISOString();
      await this.store.failJob(job, message, this.opts.maxAttempts, retryAt);
    }
  }

  /** Stops taking jobs and waits for the one in hand. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }
}

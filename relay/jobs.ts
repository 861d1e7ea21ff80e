// The durable extraction queue. Jobs live in the store, committed with the session's end; up to
// `concurrency` run at once, but never two that write the same memories (one player's pair, or a
// shared store), so merges never race. A job that throws is retried after `retryMs` × 2^(attempt − 1),
// up to `maxAttempts` attempts (counted at claim, so a job that crashes the relay counts too), then
// parked with its error on the session. The built-in extractor may read a session ahead, as its
// transcript arrives (turnsArrived); its job takes that reading when nothing it read has changed.
import type { MemoryAddResult } from "../sdk/src/protocol.ts";
import type { ExtractInput, Extraction, Extractor } from "./extract/extractor.ts";
import { joinSummaries } from "./extract/summary.ts";
import { log } from "./log.ts";
import type { MemoryService } from "./memories.ts";
import type { Metrics } from "./metrics.ts";
import { scopeKey, writeScopes } from "./store/scope.ts";
import type { Job, SessionRow, Store } from "./store/store.ts";

/** sessions read ahead and not yet ended, kept at most */
const AHEAD_KEPT = 64;
/**
 * What a reading depends on: which turns it read, and the user's known name and people. The seqs say which turns:
 * a turn's text never changes once stored (the same seq with other text is refused, E_CONFLICT).
 */
const readingKey = (input: ExtractInput) =>
  `${input.knownName ?? ""}\n${(input.knownKin ?? []).map((k) => `${k.kin}:${k.name}`).join(",")}\n${input.turns.map((t) => t.seq).join(",")}`;

export type OnProcessed = (session: SessionRow, results: MemoryAddResult[]) => void;

export interface QueueOptions {
  maxAttempts: number;
  /** the first retry's delay; each later one doubles */
  retryMs: number;
  /** jobs run at once (of different players or stores); default 1 */
  concurrency?: number;
  /** counts extractions and their durations for /metrics */
  metrics?: Metrics;
}

export class ExtractionQueue {
  /** jobs in hand, and the memories (scope keys) each writes */
  readonly #running = new Map<number, { done: Promise<void>; keys: string[] }>();
  /** readings started before their session's end, by session (the oldest go beyond AHEAD_KEPT) */
  readonly #ahead = new Map<string, { key: string; reading: Promise<Extraction>; endUserId: string }>();
  #claiming: Promise<void> | null = null;
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

  /** Takes jobs while there is room; call after a job was committed, and it is called as each job ends. */
  kick(): void {
    if (this.#stopped) return;
    if (this.#claiming) { this.#again = true; return; }
    this.#claiming = this.#fill().finally(() => {
      this.#claiming = null;
      if (this.#again) { this.#again = false; this.kick(); }
    });
  }

  async #fill(): Promise<void> {
    while (!this.#stopped && this.#running.size < (this.opts.concurrency ?? 1)) {
      // the memories the jobs in hand write: a job that writes any of them waits
      const held = new Set([...this.#running.values()].flatMap((r) => r.keys));
      const job = await this.store.claimJob(this.opts.maxAttempts, (o) => !writeScopes(o).some((s) => held.has(scopeKey(s))));
      if (!job) break;
      const done = this.#run(job).finally(() => {
        this.#running.delete(job.id);
        this.kick();
      });
      this.#running.set(job.id, { done, keys: writeScopes(job.owner).map(scopeKey) });
    }
    if (this.#running.size) return; // a job's end kicks again
    // jobs waiting for a retry: wake up when the first is due
    const next = await this.store.nextJobAt();
    clearTimeout(this.#timer);
    if (next !== null && !this.#stopped) {
      this.#timer = setTimeout(() => this.kick(), Math.max(0, Date.parse(next || "0") - Date.now()) + 5);
    }
  }

  /**
   * New turns of an open session were committed. When they are at least half of what it holds (a
   * transcript shipped at its end, not one streamed turn by turn), the extractor starts reading it
   * now, and the job at its end takes that reading if the turns and the user's name are still the
   * same. Reading ahead so costs at most twice the reading at the end.
   */
  turnsArrived(sessionId: string, received: number, added: number): void {
    if (!this.extractor.readsAhead || this.#stopped || added * 2 < received) return;
    this.#input(sessionId).then((found) => {
      if (!found) return;
      const reading = this.extractor.extract(found.input);
      reading.catch(() => {}); // the job reads again
      this.#ahead.delete(sessionId);
      this.#ahead.set(sessionId, { key: readingKey(found.input), reading, endUserId: found.session.endUserId });
      if (this.#ahead.size > AHEAD_KEPT) this.#ahead.delete(this.#ahead.keys().next().value!);
      this.opts.metrics?.readAhead.inc({ outcome: "started" });
    }).catch(() => {});
  }

  /** What was read ahead of sessions no job will read (an erased end user's, or one ended with memory off) goes. */
  forget(which: { endUserId: string } | { sessionId: string }): void {
    const gone = "sessionId" in which ? [which.sessionId] : [...this.#ahead].filter(([, a]) => a.endUserId === which.endUserId).map(([id]) => id);
    for (const sessionId of gone) if (this.#ahead.delete(sessionId)) this.opts.metrics?.readAhead.inc({ outcome: "dropped" });
  }

  /** The extraction of `input`: the one read ahead from the same turns and name, or a new one. */
  #extract(input: ExtractInput): Promise<Extraction> {
    const ahead = this.#ahead.get(input.sessionId);
    this.#ahead.delete(input.sessionId);
    if (!ahead) return this.extractor.extract(input);
    const same = ahead.key === readingKey(input);
    this.opts.metrics?.readAhead.inc({ outcome: same ? "used" : "stale" });
    return same ? ahead.reading.catch(() => this.extractor.extract(input)) : this.extractor.extract(input);
  }

  /** What a session's extraction reads, and the memories it writes. */
  async #input(sessionId: string) {
    const session = await this.store.getSession(sessionId);
    if (!session) return null;
    // a session reopened after an idle end: only the turns added since are new
    const turns = (await this.store.getTurns(sessionId)).filter((t) => t.seq >= session.extractedCount);
    const scopes = writeScopes(session);
    const knownName = (await this.store.findBySlot(scopes[0], "name"))[0]?.value ?? undefined;
    const knownKin = await this.store.knownKin(scopes[0]);
    return { session, scopes, input: { sessionId, turns, knownName, ...(knownKin.length ? { knownKin } : {}) } };
  }

  async #run(job: Job): Promise<void> {
    const started = performance.now();
    try {
      const found = await this.#input(job.sessionId);
      if (!found) throw new Error(`session ${job.sessionId} is gone`);
      const { session, scopes, input: { knownName } } = found;
      const extraction = await this.#extract(found.input);
      const { extractor, note } = extraction;
      const { ops, summary: made } = await this.memories.digest(extraction, scopes, job.sessionId, knownName);
      // a session reopened after an idle end keeps what its earlier part said
      const summary = joinSummaries(session.extractedCount ? session.summary : null, made);
      const results = await this.store.completeJob(job, ops, new Date().toISOString(), { extractor, note, summary });
      const seconds = (performance.now() - started) / 1000;
      const metrics = this.opts.metrics;
      metrics?.extraction.observe({ extractor }, seconds);
      metrics?.endToProcessed.observe(Math.max(0, Date.now() - Date.parse(job.queuedAt)) / 1000);
      for (const r of results) metrics?.memoryEvents.inc({ event: r.event });
      const ms = Math.round(seconds * 1000), changed = results.filter((r) => r.event !== "noop").length;
      log.debug(`keepsake: session ${job.sessionId} processed in ${ms} ms by the ${extractor} extractor: ${changed} memories changed`,
        { sessionId: job.sessionId, ms, extractor, changed });
      this.onProcessed({ ...session, status: "processed", results, extractor, extractorNote: note ?? null, summary }, results);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.opts.metrics?.extractionFailures.inc();
      log.error(`keepsake: extraction of session ${job.sessionId} failed (attempt ${job.attempts}): ${message}`, { sessionId: job.sessionId, attempt: job.attempts });
      const retryAt = new Date(Date.now() + this.opts.retryMs * 2 ** (job.attempts - 1)).toISOString();
      await this.store.failJob(job, message, this.opts.maxAttempts, retryAt);
    }
  }

  /** Stops taking jobs and waits for those in hand. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#claiming;
    await Promise.all([...this.#running.values()].map((r) => r.done));
  }
}

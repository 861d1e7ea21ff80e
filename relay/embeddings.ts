// Optional embeddings: an OpenAI-compatible `POST {URL}/v1/embeddings` (`{ model, input }` →
// `{ data: [{ embedding, index }] }`) gives each memory a vector, kept in the store beside it.
// Search adds the memories nearest the query's vector to its lexical ranking (search.ts), and merge
// takes a fact for the stored memory it restates in other words (merge.ts, MergeLookup.similar).
//
// The endpoint is never on the critical path of anything that must succeed: a request times out,
// 408/429/5xx and network errors are retried with backoff (ky honours Retry-After), and when it still
// fails the relay warns once, goes lexical for COOLDOWN_MS, and then tries again. Memories left
// without a vector are embedded later, when their scope is searched or changes.
import * as z from "zod";
import type { Scope } from "../sdk/src/protocol.ts";
import { log } from "./log.ts";
import { type Endpoint, post, routeUrl, scrub } from "./openai.ts";
import { scopeKey } from "./store/scope.ts";
import type { Store, StoredMemory } from "./store/store.ts";

export interface EmbeddingsOptions extends Endpoint {
  /** one request's time limit */
  timeoutMs: number;
  /** the cosine from which merge takes a fact for the stored memory it restates */
  sameAt: number;
}

/** texts per request */
export const BATCH = 64;
/** requests per batch when the endpoint answers 408, 429, 5xx or not at all */
export const ATTEMPTS = 3;
/** how long search and merge stay lexical after the endpoint failed */
export const COOLDOWN_MS = 30_000;
/** how long a search waits for vectors of memories that have none yet (the rest are embedded behind it) */
export const INDEX_WAIT_MS = 1_000;

const Reply = z.object({ data: z.array(z.object({ embedding: z.array(z.number()), index: z.number().int() })) });

export class Embeddings {
  readonly endpoint: string;
  readonly model: string;
  #downUntil = 0;
  /** scope key → its indexing in progress */
  readonly #indexing = new Map<string, Promise<void>>();
  /** scopes whose every memory has a vector, as far as this process knows (a change makes one unknown again) */
  readonly #indexed = new Set<string>();
  /** changes seen per scope: an indexing that a change overtook does not count its scope as indexed */
  readonly #changes = new Map<string, number>();
  /** recent queries and facts → their vector */
  readonly #cache = new Map<string, Float32Array>();

  constructor(private readonly opts: EmbeddingsOptions) {
    this.endpoint = routeUrl(opts.url, "embeddings");
    this.model = opts.model;
  }

  /**
   * Unit vectors of `texts`, or null when the endpoint cannot give them now (warned once per cooldown).
   * With `cache`, they are kept for the next call: queries, merge's facts (memories are not: they keep their own).
   */
  async embed(texts: string[], opts: { cache?: boolean } = {}): Promise<Float32Array[] | null> {
    const missing = [...new Set(texts.filter((t) => !this.#cache.has(t)))];
    if (missing.length && Date.now() < this.#downUntil) return null;
    try {
      const fresh = new Map<string, Float32Array>();
      for (let i = 0; i < missing.length; i += BATCH) {
        const batch = missing.slice(i, i + BATCH);
        (await this.#request(batch)).forEach((v, j) => fresh.set(batch[j], v));
      }
      if (opts.cache) {
        for (const [text, v] of fresh) {
          if (this.#cache.size >= 1000) this.#cache.delete(this.#cache.keys().next().value!);
          this.#cache.set(text, v);
        }
      }
      return texts.map((t) => fresh.get(t) ?? this.#cache.get(t)!);
    } catch (e) {
      this.#downUntil = Date.now() + COOLDOWN_MS;
      const why = scrub(e instanceof Error ? e.message : String(e), this.opts.apiKey);
      log.warn(`keepsake: embeddings endpoint failed (${why}); search and merge are lexical for the next ${COOLDOWN_MS / 1000} s`);
      return null;
    }
  }

  async #request(input: string[]): Promise<Float32Array[]> {
    const body = await post(this.endpoint, { model: this.model, input }, {
      apiKey: this.opts.apiKey,
      timeoutMs: this.opts.timeoutMs,
      attempts: ATTEMPTS,
      delay: (n) => 250 * 2 ** (n - 1),
      maxRetryAfter: this.opts.timeoutMs,
      // ky's timeout ends when the headers arrive; this bounds the whole call, body and retries included
      signal: AbortSignal.timeout(this.opts.timeoutMs * (ATTEMPTS + 1)),
    }).json();
    const data = Reply.parse(body).data;
    const vectors: Float32Array[] = [];
    for (const d of data) vectors[d.index] = unit(d.embedding);
    if (data.length !== input.length || vectors.length !== input.length || vectors.some((v) => !v || v.length !== vectors[0].length)) {
      throw new Error(`the endpoint answered ${data.length} embeddings for ${input.length} texts, or of different lengths`);
    }
    return vectors;
  }

  /** Memories of `scopes` were added, changed or deleted: their vectors are computed again where needed. */
  changed(store: Store, scopes: Scope[]): Promise<void> {
    for (const key of scopes.map(scopeKey)) {
      this.#indexed.delete(key);
      this.#changes.set(key, (this.#changes.get(key) ?? 0) + 1);
    }
    return this.index(store, scopes);
  }

  /** Embeds the memories of `scopes` that have no vector of this model; resolves when done or when the endpoint fails. */
  index(store: Store, scopes: Scope[]): Promise<void> {
    return Promise.all(scopes.map((scope) => {
      const key = scopeKey(scope);
      let running = this.#indexing.get(key);
      if (!running && !this.#indexed.has(key)) {
        const seen = this.#changes.get(key);
        running = this.#indexScope(store, scope)
          .then((done) => { if (done && this.#changes.get(key) === seen) this.#indexed.add(key); })
          .catch((e) => log.warn(`keepsake: embedding the memories of ${key} failed: ${e instanceof Error ? e.message : e}`))
          .finally(() => this.#indexing.delete(key));
        this.#indexing.set(key, running);
      }
      return running;
    })).then(() => {});
  }

  /** True once every memory of `scope` has a vector; false when it stopped short (the next search or change tries again). */
  async #indexScope(store: Store, scope: Scope): Promise<boolean> {
    for (;;) {
      const rows = await store.unembedded([scope], this.model, BATCH * 4);
      if (!rows.length) return true;
      const vectors = await this.embed(rows.map((r) => r.memory));
      // down, or nothing stored (each one changed meanwhile, and was marked for embedding again)
      if (!vectors || !(await store.putEmbeddings(this.model, rows.map((r, i) => ({ ...r, vector: vectors[i] }))))) return false;
    }
  }

  /** The memories of `scopes` nearest to `query`, best first (score: the cosine); null when the endpoint is unavailable. */
  async nearest(store: Store, scopes: Scope[], query: string, limit: number): Promise<(StoredMemory & { score: number })[] | null> {
    const [vector] = (await this.embed([query], { cache: true })) ?? [];
    if (!vector) return null;
    // memories added since the last indexing: wait a little for them, the rest are embedded behind this search
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.index(store, scopes), new Promise((r) => (timer = setTimeout(r, INDEX_WAIT_MS)))]);
    clearTimeout(timer);
    return store.nearestMemories(scopes, this.model, vector, limit);
  }

  /** For merge: the stored memory of `scope` whose vector is within `sameAt` of `text`'s, or null (none, or unavailable). */
  async similar(store: Store, scope: Scope, text: string): Promise<StoredMemory | null> {
    const [vector] = (await this.embed([text], { cache: true })) ?? [];
    if (!vector) return null;
    await this.index(store, [scope]);
    const [best] = await store.nearestMemories([scope], this.model, vector, 1);
    return best && best.score >= this.opts.sameAt ? best : null;
  }
}

/** `v` scaled to length 1, as Float32. */
function unit(v: number[]): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum) || 1;
  return Float32Array.from(v, (x) => x / norm);
}

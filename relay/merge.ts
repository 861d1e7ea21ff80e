// Merge planning: what each extracted fact does to the memories of one scope (add, update, delete
// or nothing), decided deterministically from slots and from the overlap of content words.
import type { Scope, Source } from "../sdk/src/protocol.ts";
import type { Fact } from "./extract/extractor.ts";
import { PETS, slotKin } from "./extract/kin.ts";
import type { MemoryOp, StoredMemory } from "./store/store.ts";

/** What merge reads from the store: the Store methods of the same names. */
export interface MergeLookup {
  findBySlot(scope: Scope, slot: string): Promise<StoredMemory[]>;
  searchMemories(scopes: Scope[], query: string, limit: number): Promise<(StoredMemory & { score: number })[]>;
  /**
   * Only when the relay has an embeddings endpoint (relay/embeddings.ts): the stored memory of `scope`
   * that says what `text` says in other words, or null. Without it, merge is lexical only, as below.
   */
  similar?(scope: Scope, text: string): Promise<StoredMemory | null>;
}

/** Content-word similarity (Jaccard) from which a fact repeats a memory: noop. */
export const DUPLICATE = 0.85;
/** Similarity from which a fact restates or revises a memory: update. */
export const PARAPHRASE = 0.6;
/**
 * When one side's content words all appear in the other, the similarity above which they are the same
 * fact: a fact of two words inside one of four ("name Sam" in "Sam has a dog named Rex") is not.
 */
export const CONTAINED = 0.5;
/** How many search results a fact without a slot is compared with. */
export const CANDIDATES = 5;

/** A memory this batch may touch: a stored one, or one the batch adds (no id yet). */
interface Target {
  id?: string;
  text: string;
  slot: string | null;
  value: string | null;
  pinned: boolean;
  /** index in the plan of the op this batch already has for it */
  op?: number;
  gone?: boolean;
}

/**
 * One op per fact, in fact order, except where a fact folds into an earlier op of the same batch
 * (a repeat, or a second fact on a slot the batch already adds or updates) and where a retraction
 * finds nothing to delete: those add no op. Pinned memories only ever get a noop.
 */
export async function planMerge(facts: Fact[], scope: Scope, lookup: MergeLookup, sessionId: string): Promise<MemoryOp[]> {
  const plan: (MemoryOp | null)[] = [];
  const stored = new Map<string, Target>();
  const added: Target[] = [];
  const targetOf = (m: StoredMemory): Target => {
    let t = stored.get(m.id);
    if (!t) stored.set(m.id, t = { id: m.id, text: m.memory, slot: m.slot, value: m.value, pinned: m.pinned });
    return t;
  };
  const live = (ts: Target[]) => ts.filter((t) => !t.gone);
  // each fact is compared with every memory the batch has seen so far: each text is read once
  const known = new Map<string, Content>();
  const read = (text: string) => known.get(text) ?? known.set(text, contentOf(text)).get(text)!;

  /** the op planned for a target so far, if any */
  const opOf = (t: Target) => (t.op === undefined ? null : plan[t.op]);
  /** plans `op` for a target, in place of the one it had */
  const put = (t: Target, op: MemoryOp) => {
    if (t.op === undefined) t.op = plan.push(op) - 1;
    else plan[t.op] = op;
  };
  /** a pinned memory is only ever left as it is */
  const keepPinned = (t: Target) => {
    if (t.op === undefined) put(t, { event: "noop", id: t.id! });
  };

  const repeat = (t: Target, sources: Source[]) => {
    const op = opOf(t);
    if (!op) {
      put(t, { event: "noop", id: t.id!, addSources: sources });
    } else if (op.event === "add") {
      op.memory.sources = [...(op.memory.sources ?? []), ...sources];
    } else if (op.event !== "delete") {
      op.addSources = [...(op.addSources ?? []), ...sources];
    }
  };

  const revise = (t: Target, fact: Fact, sources: Source[]) => {
    if (t.pinned) return keepPinned(t);
    const slot = fact.slot ?? t.slot, value = fact.value ?? (fact.slot ? null : t.value);
    const op = opOf(t);
    if (op?.event === "add") {
      op.memory = { ...op.memory, memory: fact.text, slot, value, importance: fact.importance, sources: [...(op.memory.sources ?? []), ...sources] };
    } else {
      const kept = op && op.event !== "delete" ? op.addSources ?? [] : [];
      put(t, { event: "update", id: t.id!, memory: fact.text, slot, value, importance: fact.importance, addSources: [...kept, ...sources] });
    }
    Object.assign(t, { text: fact.text, slot, value });
  };

  const remove = (t: Target) => {
    if (t.pinned) return keepPinned(t);
    t.gone = true;
    if (t.id === undefined) plan[t.op!] = null;
    else put(t, { event: "delete", id: t.id });
  };

  // the user's first name, when a fact of this batch changes it ("Actually, call me Kai")
  let renamed: { from: string; to: string } | null = null;
  for (const fact of facts) {
    // a fact from no turn (added through the API) has no sources
    const sources: Source[] = fact.seq.length ? [{ sessionId, seq: fact.seq }] : [];
    if (fact.slot) {
      const slot = fact.slot;
      const inSlot = live([...added.filter((t) => t.slot === slot), ...(await lookup.findBySlot(scope, slot)).map(targetOf)]);
      let t: Target | undefined = inSlot.find((m) => m.pinned) ?? inSlot[0];
      // ("a dog named Max" after "a golden retriever named Max": one pet by its name, whatever kind it was said to be)
      const pet = !t && !fact.retract ? slotKin(slot) : null;
      if (pet?.pet && pet.name) {
        const same = (m: Target) => {
          const other = slotKin(m.slot);
          return m.slot !== slot && !!other?.pet && other.name === pet.name && oneAnimal(pet.kind, other.kind);
        };
        for (const m of await lookup.searchMemories([scope], pet.name, CANDIDATES)) targetOf(m);
        t = live([...added, ...stored.values()]).find(same);
        // (the one said with more words stays: "golden retriever" over "dog")
        if (t && saysNoMore(read(fact.text), read(t.text))) { repeat(t, sources); continue; }
      }
      if (fact.retract) {
        // "no longer lives in Denver" withdraws the home slot only when it holds Denver (or no value)
        if (t && (!fact.value || !t.value || norm(fact.value) === norm(t.value))) remove(t);
        continue;
      }
      if (t) {
        // (the same value said with less: "Kai is a nurse." after "Kai works as a nurse at the city hospital.")
        if (read(t.text).norm === read(fact.text).norm || saidWithLess(fact, t, read)) repeat(t, sources);
        else {
          if (slot === "name" && !t.pinned && t.value && fact.value) renamed = { from: firstName(t.value), to: firstName(fact.value) };
          revise(t, fact, sources);
        }
        continue;
      }
    }
    if (fact.retract) continue;

    // no slot, or a slot nothing fills yet: compare with this batch's memories and the nearest stored ones
    // (targetOf puts the nearest stored ones among those the batch has seen, once each)
    for (const m of await lookup.searchMemories([scope], searchWords(fact.text) || fact.text, CANDIDATES)) targetOf(m);
    const candidates = live([...added, ...stored.values()]).filter((t) => !fact.slot || !t.slot || t.slot === fact.slot);
    const best = closest(fact.text, candidates, read);
    // embeddings only (lookup.similar): nothing close in words, but a stored memory close in meaning is
    // repeated, or revised when one of the two is negated; a slot or a date apart keeps them apart
    const near = !best && lookup.similar ? await lookup.similar(scope, fact.text) : null;
    const meant = near && (!fact.slot || !near.slot || near.slot === fact.slot) && sameDates(read(fact.text), read(near.memory))
      ? live([targetOf(near)])[0] : undefined;
    if (best?.same) repeat(best.target, sources);
    else if (best) revise(best.target, fact, sources);
    else if (meant && denies(read(fact.text)) === denies(read(meant.text))) repeat(meant, sources);
    else if (meant) revise(meant, fact, sources);
    else {
      const op: MemoryOp = {
        event: "add", scope,
        memory: { memory: fact.text, slot: fact.slot ?? null, value: fact.value ?? null, importance: fact.importance, sources },
      };
      added.push({ text: fact.text, slot: fact.slot ?? null, value: fact.value ?? null, pinned: false, op: plan.push(op) - 1 });
    }
  }
  // the memories that call the user by the old first name say the new one ("Kaia lives in Denver." →
  // "Kai lives in Denver."), stored ones and this batch's own
  if (renamed && renamed.from.toLowerCase() !== renamed.to.toLowerCase()) {
    const old = new RegExp(`\\b${renamed.from.replace(/[^\p{L}\p{N}]/gu, "\\$&")}\\b`, "gu"), to = renamed.to;
    const says = (text: string) => text.replace(old, to);
    for (const m of await lookup.searchMemories([scope], renamed.from, RENAMED)) targetOf(m);
    for (const t of stored.values()) {
      if (t.gone || t.pinned || t.slot === "name" || says(t.text) === t.text) continue;
      const op = opOf(t);
      if (op?.event === "update") op.memory = says(op.memory);
      else if (!op || op.event === "noop") put(t, { event: "update", id: t.id!, memory: says(t.text), addSources: op?.addSources ?? [] });
      t.text = says(t.text);
    }
    for (const op of plan) if (op?.event === "add" && op.memory.slot !== "name") op.memory = { ...op.memory, memory: says(op.memory.memory) };
  }
  return plan.filter((op): op is MemoryOp => op !== null);
}

/**
 * The species of a pet's kind: a dog named Max and a cat named Max are two pets; a dog and a golden
 * retriever named Max are one (a kind merge does not know is taken for a dog's breed, as most named
 * breeds are); "pet" is any.
 */
const SPECIES: Record<string, string> = { dog: "dog", puppy: "dog", cat: "cat", kitten: "cat", pet: "" };
const speciesOf = (kind: string) => SPECIES[kind] ?? (PETS.has(kind) ? kind : "dog");
const oneAnimal = (a: string, b: string) => !speciesOf(a) || !speciesOf(b) || speciesOf(a) === speciesOf(b);

/** A fact on a slot that says the stored value again, every content word of it already in the stored memory. */
function saidWithLess(fact: Fact, t: Target, read: (text: string) => Content): boolean {
  if (!fact.value || !t.value || fact.retract) return false;
  // a thing liked is named by its slot, however it is said ("loves rock music", "likes to listen to rock
  // music"): liked as much again, the one said with more words stays (a favorite's value may change)
  if (/^pref:(?!favorite )/.test(fact.slot ?? "")) {
    return denies(read(fact.text)) === denies(read(t.text)) && saysNoMore(read(fact.text), read(t.text));
  }
  if (counted(fact.value) !== counted(t.value)) return false;
  const stored = new Set(read(t.text).words);
  return read(fact.text).words.every((w) => stored.has(w));
}

/** A fact said with no more content words than a memory on its slot: the memory, the fuller, stays. */
const saysNoMore = (fact: Content, memory: Content) => fact.words.length <= memory.words.length;

/** How many stored memories a change of the user's name rewrites at most (those that say the old name, best matches first). */
export const RENAMED = 500;
const firstName = (name: string) => name.trim().split(/\s+/)[0];

/** The candidate a fact repeats (same) or revises, or null when it is a new fact. First wins ties. */
function closest(fact: string, candidates: Target[], read: (text: string) => Content): { target: Target; same: boolean } | null {
  let best: { target: Target; same: boolean; score: number } | null = null;
  const a = read(fact);
  for (const target of candidates) {
    const r = relate(a, read(target.text));
    if (!r) continue;
    const score = (r.same ? 2 : 1) + r.similarity;
    if (!best || score > best.score) best = { target, same: r.same, score };
  }
  return best;
}

/**
 * How a fact relates to a memory: the same fact (its words are the memory's, or a subset of them),
 * a revision (close enough, the memory's words extended, or the same words negated), or unrelated
 * (null). Facts dated on different days are different events, however alike.
 */
export function compare(fact: string, memory: string): { same: boolean; similarity: number } | null {
  return relate(contentOf(fact), contentOf(memory));
}

/** compare() on texts already read. */
function relate(a: Content, b: Content): { same: boolean; similarity: number } | null {
  if (a.norm === b.norm) return { same: true, similarity: 1 };
  if (a.dates.length && b.dates.length && a.dates.join() !== b.dates.join()) return null;
  // both start with the same subject (the user's name): it says nothing about which fact this is
  const from = a.words[0] === b.words[0] ? 1 : 0;
  const aw = a.words.slice(from), bw = b.words.slice(from);
  const negated = (ws: string[]) => ws.some((w) => NEGATIONS.has(w));
  const flipped = negated(aw) !== negated(bw);
  const A = new Set(aw.filter((w) => !NEGATIONS.has(w))), B = new Set(bw.filter((w) => !NEGATIONS.has(w)));
  const shared = [...A].filter((w) => B.has(w)).length;
  const similarity = shared / (A.size + B.size - shared || 1);
  const contained = similarity > CONTAINED && (shared === A.size || shared === B.size);
  if (!flipped && (similarity >= DUPLICATE || (contained && shared === A.size))) return { same: true, similarity };
  if (similarity >= PARAPHRASE || contained) return { same: false, similarity };
  return null;
}

const NEGATIONS = new Set(["not", "no", "never", "longer", "nor"]);
const STOP = new Set((
  "a an the and or but of to in on at by for with from about as into is am are was were be been being has have " +
  "had do does did will would can could should may might must it its this that these those there their theirs " +
  "they them he him his she her user s"
).split(" "));

/** Whether a text read is negated, and whether two carry the same dates (or one has none): for `similar` matches and slots. */
const denies = (c: Content) => c.words.some((w) => NEGATIONS.has(w));
const sameDates = (a: Content, b: Content) => {
  const x = a.dates.join(), y = b.dates.join();
  return !x || !y || x === y;
};

/**
 * The words to look for stored memories like a fact by: its words but stop words and dates (a memory
 * sharing only those is never related: compare() needs shared content words). Every memory says "the
 * user": searched for, stop words would make the search score nearly every memory of the player,
 * for each fact merged. A fact with no other words is looked for by its whole text: compare()
 * still takes the same text as the same fact. (Unstemmed, unlike contentOf(): the index stems its own way.)
 */
const searchWords = (text: string) => norm(text.replace(/\d{4}-\d{2}-\d{2}/g, " ")).split(" ").filter((w) => w && !STOP.has(w)).join(" ");

/** Lowercase words without punctuation: what "the same text" means. */
const norm = (s: string) => (s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).join(" ");
/** norm() with the numbers up to twelve as digits: "has two kids" and "has 2 kids" are the same fact */
const NUMBERS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"];
const NUMBER_WORD = new RegExp(`\\b(${NUMBERS.join("|")})\\b`, "g");
const counted = (s: string) => norm(s).replace(NUMBER_WORD, (w) => String(NUMBERS.indexOf(w)));

/** What merge reads in a text: its normal form, content words and dates. Never changed once read. */
interface Content { norm: string; words: string[]; dates: string[] }

/** Content words, lightly stemmed ("likes", "liked", "liking" → "lik"), and the dates apart. */
function contentOf(text: string): Content {
  const dates = text.match(/\d{4}-\d{2}-\d{2}/g) ?? [];
  const words = counted(text.replace(/\d{4}-\d{2}-\d{2}/g, " ").replace(/n't\b/gi, " not"))
    .split(" ")
    .filter((w) => w && !STOP.has(w))
    .map((w) => (w.length <= 3 ? w : w.replace(/(ies|ied)$/, "y").replace(/(ing|ed|es|s|e)$/, "")));
  return { norm: counted(text), words, dates };
}

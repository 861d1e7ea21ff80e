import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BuiltinExtractor } from "../../relay/extract/builtin.ts";
import type { Fact } from "../../relay/extract/extractor.ts";
import { compare, CONTAINED, DUPLICATE, PARAPHRASE } from "../../relay/merge.ts";
import type { MemoryOp, NewMemory, StoredMemory } from "../../relay/store/store.ts";
import type { Scope } from "../../sdk/src/protocol.ts";
import { type StoreProcess, startStore } from "../helpers/store.ts";

const AT = "2025-03-01T00:00:00.000Z";

/** The relay's own store (a Deno process): merge reads its real slot lookups and full-text search. */
let store: StoreProcess;
beforeAll(async () => { store = await startStore(); });
afterAll(async () => { await store?.close(); });

let made = 0;
/** The memories of a player of "guide" that only this test uses, in the real store, and of another player beside them. */
class Memories {
  readonly scope: Scope;
  readonly other: Scope;
  constructor() {
    const n = ++made;
    this.scope = { kind: "pair", endUserId: `u${n}`, characterId: "guide" };
    this.other = { kind: "pair", endUserId: `u${n}-other`, characterId: "guide" };
  }

  /** Stores a memory as an earlier extraction or a REST add would have. */
  put(memory: string, opts: { slot?: string; value?: string; pinned?: boolean; scope?: Scope } = {}): Promise<StoredMemory> {
    const m: NewMemory = { memory, slot: opts.slot ?? null, value: opts.value ?? null, pinned: opts.pinned ?? false, importance: 0.5 };
    return store.call("put", opts.scope ?? this.scope, m, AT);
  }

  /** Applies planned ops as the relay does after extraction. */
  apply(ops: MemoryOp[]): Promise<unknown> {
    return store.call("applyOps", ops, AT);
  }

  async list(): Promise<StoredMemory[]> {
    return (await store.call("listMemories", [this.scope], { offset: 0, limit: 100 })).memories;
  }
}

const fact = (text: string, more: Partial<Fact> = {}): Fact => ({ text, seq: [0], importance: 0.5, ...more });
const plan = (facts: Fact[], memories: Memories, sessionId = "s1"): Promise<MemoryOp[]> => store.call("planMerge", facts, memories.scope, sessionId);

describe("merge planning", () => {
  it("adds a new fact with its source, slot, value and importance", async () => {
    const lookup = new Memories();
    const ops = await plan([fact("The user's name is Jordan.", { slot: "name", value: "Jordan", importance: 1, seq: [2] })], lookup);
    expect(ops).toEqual([{
      event: "add", scope: lookup.scope,
      memory: { memory: "The user's name is Jordan.", slot: "name", value: "Jordan", importance: 1, sources: [{ sessionId: "s1", seq: [2] }] },
    }]);
  });

  it("updates a slot in place when the value changes", async () => {
    const lookup = new Memories();
    const name = await lookup.put("The user's name is Jordan.", { slot: "name", value: "Jordan" });
    const ops = await plan([fact("The user's name is Jordan Kim.", { slot: "name", value: "Jordan Kim", importance: 1, seq: [4] })], lookup);
    expect(ops).toEqual([{
      event: "update", id: name.id, memory: "The user's name is Jordan Kim.", slot: "name", value: "Jordan Kim", importance: 1,
      addSources: [{ sessionId: "s1", seq: [4] }],
    }]);
  });

  it("is a noop, with the new source, when the slot already says it", async () => {
    const lookup = new Memories();
    const name = await lookup.put("The user's name is Jordan.", { slot: "name", value: "Jordan" });
    const ops = await plan([fact("the user's name is Jordan", { slot: "name", value: "Jordan", seq: [1] })], lookup, "s2");
    expect(ops).toEqual([{ event: "noop", id: name.id, addSources: [{ sessionId: "s2", seq: [1] }] }]);
  });

  it("keeps one memory of a thing liked, the one said with more, and still changes a favorite", async () => {
    const lookup = new Memories();
    const rock = await lookup.put("Jordan likes to listen to rock music.", { slot: "pref:rock music", value: "to listen to rock music" });
    const color = await lookup.put("Jordan's favorite color is blue.", { slot: "pref:favorite color", value: "blue" });
    const ops = await plan([
      fact("Jordan loves rock music.", { slot: "pref:rock music", value: "rock music", seq: [1] }),
      fact("Jordan's favorite color is green.", { slot: "pref:favorite color", value: "green", seq: [2] }),
    ], lookup);
    expect(ops).toMatchObject([
      { event: "noop", id: rock.id, addSources: [{ seq: [1] }] },
      { event: "update", id: color.id, memory: "Jordan's favorite color is green." },
    ]);
    // said with more words, it is the memory now
    expect(await plan([fact("Jordan loves listening to classic rock music.", { slot: "pref:rock music", value: "listening to classic rock music" })], lookup))
      .toMatchObject([{ event: "update", id: rock.id, memory: "Jordan loves listening to classic rock music." }]);
  });

  it("updates a liking with its negation on the same slot", async () => {
    const lookup = new Memories();
    const coffee = await lookup.put("Jordan likes coffee.", { slot: "pref:coffee", value: "coffee" });
    await lookup.put("Jordan likes tea.", { slot: "pref:tea", value: "tea" });
    const ops = await plan([fact("Jordan no longer likes coffee.", { slot: "pref:coffee", value: "coffee" })], lookup);
    expect(ops).toMatchObject([{ event: "update", id: coffee.id, memory: "Jordan no longer likes coffee." }]);
  });

  it("deletes a retracted slot, but only the value it withdraws", async () => {
    const lookup = new Memories();
    const home = await lookup.put("Jordan lives in Denver.", { slot: "home", value: "Denver" });
    const retract = (value?: string) => fact(`Jordan no longer lives in ${value ?? "town"}.`, { slot: "home", value, retract: true });
    expect(await plan([retract("Denver")], lookup)).toEqual([{ event: "delete", id: home.id }]);
    expect(await plan([retract("denver")], lookup)).toEqual([{ event: "delete", id: home.id }]);
    expect(await plan([retract(undefined)], lookup)).toEqual([{ event: "delete", id: home.id }]);
    expect(await plan([retract("Austin")], lookup)).toEqual([]);
    // nothing to withdraw: no op at all
    expect(await plan([fact("Jordan no longer likes tea.", { slot: "pref:tea", retract: true })], lookup)).toEqual([]);
  });

  it("never updates or deletes a pinned memory", async () => {
    const lookup = new Memories();
    const home = await lookup.put("Jordan lives in Denver.", { slot: "home", value: "Denver", pinned: true });
    const hobby = await lookup.put("Jordan volunteers at the animal shelter.", { pinned: true });
    expect(await plan([fact("Jordan lives in Austin.", { slot: "home", value: "Austin" })], lookup)).toEqual([{ event: "noop", id: home.id }]);
    expect(await plan([fact("Jordan no longer lives in Denver.", { slot: "home", value: "Denver", retract: true })], lookup))
      .toEqual([{ event: "noop", id: home.id }]);
    expect(await plan([fact("Jordan lives in Denver.", { slot: "home", value: "Denver" })], lookup))
      .toEqual([{ event: "noop", id: home.id, addSources: [{ sessionId: "s1", seq: [0] }] }]);
    expect(await plan([fact("Jordan volunteers at the animal shelter every weekend.")], lookup)).toEqual([{ event: "noop", id: hobby.id }]);
  });

  it("collapses a batch: later facts fold into the op an earlier one made", async () => {
    const lookup = new Memories();
    // two facts on one slot in one session: one add with the final text and both sources
    expect(await plan([
      fact("The user's name is Jordan.", { slot: "name", value: "Jordan", seq: [1] }),
      fact("The user's name is Jo.", { slot: "name", value: "Jo", seq: [5] }),
    ], lookup)).toEqual([{
      event: "add", scope: lookup.scope,
      memory: { memory: "The user's name is Jo.", slot: "name", value: "Jo", importance: 0.5, sources: [{ sessionId: "s1", seq: [1] }, { sessionId: "s1", seq: [5] }] },
    }]);
    // a repeat of an earlier fact of the batch: no second op
    const repeated = await plan([fact("Jordan found the Sword of Dawn.", { seq: [2] }), fact("Jordan found the Sword of Dawn.", { seq: [7] })], lookup);
    expect(repeated).toHaveLength(1);
    expect(repeated[0]).toMatchObject({ event: "add", memory: { sources: [{ seq: [2] }, { seq: [7] }] } });
    // added then withdrawn in the same session: nothing
    expect(await plan([
      fact("Jordan lives in Denver.", { slot: "home", value: "Denver" }),
      fact("Jordan no longer lives in Denver.", { slot: "home", value: "Denver", retract: true }),
    ], lookup)).toEqual([]);
    // a stored memory revised twice: one update, with the final text
    const coffee = await lookup.put("Jordan likes coffee.", { slot: "pref:coffee", value: "coffee" });
    expect(await plan([
      fact("Jordan no longer likes coffee.", { slot: "pref:coffee", seq: [1] }),
      fact("Jordan loves coffee.", { slot: "pref:coffee", seq: [3] }),
    ], lookup)).toMatchObject([{ event: "update", id: coffee.id, memory: "Jordan loves coffee.", addSources: [{ seq: [1] }, { seq: [3] }] }]);
  });

  it("keeps one op per fact, in fact order", async () => {
    const lookup = new Memories();
    const age = await lookup.put("Jordan is 33 years old.", { slot: "age", value: "33" });
    const ops = await plan([
      fact("Jordan enjoys chess.", { slot: "pref:chess" }),
      fact("Jordan is 34 years old.", { slot: "age", value: "34" }),
      fact("Jordan has a dog named Rex.", { slot: "pet:dog:rex" }),
    ], lookup);
    expect(ops.map((op) => [op.event, op.event === "add" ? op.memory.memory : op.id])).toEqual([
      ["add", "Jordan enjoys chess."], ["update", age.id], ["add", "Jordan has a dog named Rex."],
    ]);
  });

  it("recognizes a near-duplicate without a slot as a noop, a revision as an update, anything else as new", async () => {
    const lookup = new Memories();
    const shelter = await lookup.put("Jordan volunteers at the animal shelter on weekends.");
    const painting = await lookup.put("Jordan has been practicing painting for 3 years.");
    const hiking = await lookup.put("Jordan loves hiking with their dog.");
    const [dup, revised, shorter, unrelated] = await Promise.all([
      plan([fact("Jordan volunteers at the animal shelter on the weekends!")], lookup),
      plan([fact("Jordan has been practicing painting for 4 years.")], lookup),
      plan([fact("Jordan loves hiking.")], lookup),
      plan([fact("Jordan went to Lisbon with their sister.")], lookup),
    ]);
    expect(dup).toMatchObject([{ event: "noop", id: shelter.id }]);
    expect(revised).toMatchObject([{ event: "update", id: painting.id, memory: "Jordan has been practicing painting for 4 years." }]);
    expect(shorter).toMatchObject([{ event: "noop", id: hiking.id }]);
    expect(unrelated).toMatchObject([{ event: "add" }]);
  });

  it("keeps every fact of a batch that only shares a word or two with another", async () => {
    const ops = await plan([fact("The user's name is Sam."), fact("Sam has a dog named Rex."), fact("Sam lives in the mountains.")], new Memories());
    expect(ops.map((o) => o.event === "add" && o.memory.memory)).toEqual([
      "The user's name is Sam.", "Sam has a dog named Rex.", "Sam lives in the mountains.",
    ]);
  });

  it("keeps dated events apart unless they are the same day", async () => {
    const lookup = new Memories();
    const won = await lookup.put("Jordan won the spring tournament on 2025-03-12.");
    expect(await plan([fact("Jordan won the spring tournament on 2025-03-12.")], lookup)).toMatchObject([{ event: "noop", id: won.id }]);
    expect(await plan([fact("Jordan won the spring tournament on 2025-04-02.")], lookup)).toMatchObject([{ event: "add" }]);
  });

  it("reads only the scope it merges into", async () => {
    const lookup = new Memories();
    await lookup.put("Jordan likes coffee.", { slot: "pref:coffee", scope: lookup.other });
    await lookup.put("Jordan volunteers at the animal shelter.", { scope: lookup.other });
    const ops = await plan([fact("Jordan likes coffee.", { slot: "pref:coffee" }), fact("Jordan volunteers at the animal shelter.")], lookup);
    expect(ops.map((op) => op.event)).toEqual(["add", "add"]);
  });

  it("never duplicates a session's facts when they come again", async () => {
    const lookup = new Memories();
    const turns = [
      "My name is Jordan.", "I'm 34 and I live in Denver.", "I work as a nurse.", "I love spicy food.",
      "I have a cat named Milo.", "I want to learn the violin.", "I volunteer at the animal shelter on weekends.",
    ].map((text, seq) => ({ seq, role: "user" as const, text, at: "2025-03-12T10:00:00Z" }));
    const { facts } = await new BuiltinExtractor().extract({ sessionId: "s1", turns });
    const first = await plan(facts, lookup, "s1");
    expect(first.every((op) => op.event === "add")).toBe(true);
    await lookup.apply(first);
    const again = await plan(facts, lookup, "s2");
    expect(again.map((op) => op.event)).toEqual(facts.map(() => "noop"));
    await lookup.apply(again);
    const stored = await lookup.list();
    expect(stored).toHaveLength(facts.length);
    // the memory of the first turn (the name) now cites both sessions
    expect(stored.find((m) => m.slot === "name")!.sources).toEqual([{ sessionId: "s1", seq: [0] }, { sessionId: "s2", seq: [0] }]);
  });

  it("a pet is one pet by its name, whatever kind it is said to be; 'two' kids and '2' kids are the same fact", async () => {
    const memories = new Memories();
    await memories.put("Kai has a golden retriever named Max.", { slot: "pet:retriever:max", value: "Max" });
    await memories.put("Kai has two kids.", { slot: "family:kid", value: "two" });
    const ops = await plan([
      fact("Kai has a dog named Max.", { slot: "pet:dog:max", value: "Max" }),
      fact("Kai has 2 kids.", { slot: "family:kid", value: "2" }),
      fact("Kai has a cat named Max.", { slot: "pet:cat:max", value: "Max" }),
    ], memories);
    // (the golden retriever kept; a cat named Max is another pet)
    expect(ops.map((op) => op.event)).toEqual(["noop", "noop", "add"]);
    const dog = await memories.put("Kai has a dog named Rex.", { slot: "pet:dog:rex", value: "Rex" });
    expect(await plan([fact("Kai has a cat named Rex.", { slot: "pet:cat:rex", value: "Rex" })], memories)).toMatchObject([{ event: "add" }]);
    expect(await plan([fact("Kai has a puppy named Rex.", { slot: "pet:puppy:rex", value: "Rex" })], memories)).toMatchObject([{ event: "noop", id: dog.id }]);
    const more = await plan([fact("Kai has an old golden retriever dog named Max.", { slot: "pet:dog:max", value: "Max" })], memories);
    expect(more).toMatchObject([{ event: "update", memory: "Kai has an old golden retriever dog named Max.", slot: "pet:dog:max" }]);
  });

  it("a slot's value said again with less is a noop: the fuller memory stays", async () => {
    const memories = new Memories();
    await memories.put("Kai works as a nurse at the city hospital.", { slot: "occupation", value: "nurse" });
    const ops = await plan([fact("Kai is a nurse.", { slot: "occupation", value: "nurse" })], memories);
    expect(ops.map((op) => op.event)).toEqual(["noop"]);
    // (with more, or another value, it is an update)
    expect((await plan([fact("Kai is a nurse at the children's ward.", { slot: "occupation", value: "nurse" })], memories)).map((op) => op.event)).toEqual(["update"]);
    expect((await plan([fact("Kai is a welder.", { slot: "occupation", value: "welder" })], memories)).map((op) => op.event)).toEqual(["update"]);
  });

  it("a new first name rewrites the memories that call the user by the old one, pinned ones and other people's names left as they are", async () => {
    const memories = new Memories();
    const name = await memories.put("The user's name is Kaia.", { slot: "name", value: "Kaia" });
    const home = await memories.put("Kaia lives in Denver.", { slot: "home", value: "Denver" });
    const sister = await memories.put("Kaia's sister Ana is a nurse.");
    const pinned = await memories.put("Kaia likes tea.", { pinned: true });
    const other = await memories.put("The user's friend Kaiaan plays the lute.");
    const ops = await plan([fact("The user's name is Kai.", { slot: "name", value: "Kai" }), fact("Kai adopted a puppy.")], memories);
    await memories.apply(ops);
    const now = new Map((await memories.list()).map((m) => [m.id, m.memory]));
    expect(now.get(name.id)).toBe("The user's name is Kai.");
    expect(now.get(home.id)).toBe("Kai lives in Denver.");
    expect(now.get(sister.id)).toBe("Kai's sister Ana is a nurse.");
    expect(now.get(pinned.id)).toBe("Kaia likes tea.");
    expect(now.get(other.id)).toBe("The user's friend Kaiaan plays the lute.");
    expect([...now.values()]).toContain("Kai adopted a puppy.");
    // (the same name again, or the same first name in full, rewrites nothing)
    const again = await plan([fact("The user's name is Kai Lin.", { slot: "name", value: "Kai Lin" })], memories);
    expect(again.map((op) => op.event)).toEqual(["update"]);
  });

  it("looks up stored memories best first, passing over expired ones however many rank above the live", async () => {
    const lookup = new Memories();
    // twelve session memories that expired an hour ago, each a better match than the lasting one
    const gone = new Date(Date.now() - 3_600_000).toISOString();
    const expired: MemoryOp[] = Array.from({ length: 12 }, (_, i) => ({
      event: "add", scope: lookup.scope, memory: { memory: `The user left the lantern lantern at camp ${i}.`, importance: 0.5, expiresAt: gone },
    }));
    await lookup.apply(expired);
    await lookup.put("The user keeps a lantern by the door.");
    await lookup.put("The user's lantern is red.");
    const found: (StoredMemory & { score: number })[] = await store.call("searchMemories", [lookup.scope], "lantern", 2);
    expect(found.map((m) => m.memory).sort()).toEqual(["The user keeps a lantern by the door.", "The user's lantern is red."]);
    expect(found[0].score).toBeGreaterThanOrEqual(found[1].score);
  });

  it("compares facts by their content words, with thresholds that hold", () => {
    expect(DUPLICATE).toBeGreaterThan(PARAPHRASE);
    expect(PARAPHRASE).toBeGreaterThan(CONTAINED);
    expect(compare("Jordan likes coffee.", "jordan likes coffee")).toEqual({ same: true, similarity: 1 });
    // the shared subject does not make two facts alike
    expect(compare("Jordan likes coffee.", "Jordan likes tea.")).toBeNull();
    expect(compare("Jordan went to Paris.", "Jordan went to Rome.")).toBeNull();
    // a negation is a revision, never the same fact
    expect(compare("Jordan is a vegetarian.", "Jordan is not a vegetarian.")).toMatchObject({ same: false });
    expect(compare("Jordan is not a vegetarian.", "Jordan is a vegetarian.")).toMatchObject({ same: false });
    // the subject learned later: the named fact revises the unnamed one
    expect(compare("Jordan likes coffee.", "The user likes coffee.")).toMatchObject({ same: false });
    // two short facts that share half their words are still two facts
    expect(compare("Sam has a dog named Rex.", "The user's name is Sam.")).toBeNull();
    expect(compare("The user's name is Sam.", "Sam has a dog named Rex.")).toBeNull();
    // inflections count as the same word
    expect(compare("Jordan loved baking bread.", "Jordan loves baking breads.")).toMatchObject({ same: true });
  });
});

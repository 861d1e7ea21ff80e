// The scopes of memory (issue 6, point 1) against the real relay process: a shared store is read
// and written by every session naming its tag and by no one else; a player's private pair memory
// stays theirs, even from the members of a store they belong to; character knowledge reaches every
// player of the character, and no extraction ever changes it, even one that contradicts it.
// (A token grants stores by name, `sto`: test/integration/auth.test.ts and isolation-token.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoriesPayload, type MemoryRecord } from "../../sdk/src/protocol.ts";
import { startRelay, type Relay } from "../helpers/relay.ts";
import { authFor, connectClient, emit, listAll, type Pair, rest, runSession, type SessionRun, turns, uid } from "../helpers/wire.ts";

let relay: Relay;
beforeAll(async () => { relay = await startRelay(); });
afterAll(async () => { await relay?.stop(); });

const texts = (list: MemoryRecord[]) => list.map((m) => m.memory);
/**
 * `context` without its "last conversations" group: a player's own summaries are in every session of
 * theirs with the character, whatever its stores (summaries.test.ts), and never in another player's.
 */
const memoryPart = (context: string) => context.split("\n\n").filter((g) => !g.startsWith("Your last conversations")).join("\n\n");

/** A whole session of `who` naming `stores` (none: a private session). */
function session(who: Pair, stores: string[] | undefined, said: string[]): Promise<SessionRun> {
  const sessionId = uid("s");
  return runSession(relay.url, who, turns(...said), { sessionId, auth: authFor(who, sessionId, stores ? { memoryStores: stores } : {}) });
}

/** What a new session of `who` naming `stores` is given at connect, and what its memory:search finds for `query`. */
async function reads(who: Pair, stores: string[] | undefined, query: string) {
  const c = await connectClient(relay.url, authFor(who, uid("s"), stores ? { memoryStores: stores } : {}));
  try {
    const injected = MemoriesPayload.parse(c.memories);
    const ack = await emit(c.socket, "memory:search", { query, limit: 50 });
    expect(ack.ok, JSON.stringify(ack)).toBe(true);
    return { injected, found: ack.memories as MemoryRecord[] };
  } finally { c.close(); }
}

describe("a shared store (memoryStores)", () => {
  const npc = uid("innkeeper");
  const guild = uid("guild"), rivals = uid("rivals");
  const [ann, ben, cat, dan] = ["ann", "ben", "cat", "dan"].map((n): Pair => ({ endUserId: uid(n), characterId: npc }));
  const MILL = "Their guild meets at the old mill.", WELL = "Their guild hides its treasure in the old well.";
  const QUERY = "guild meets old mill treasure well";
  let annRun: SessionRun, benRun: SessionRun;

  beforeAll(async () => {
    annRun = await session(ann, [guild], ["Our guild meets at the old mill."]);
    benRun = await session(ben, [guild], ["Our guild hides its treasure in the old well."]);
  });

  it("two members both read what either's session extracted: at connect, by search, and in the store's list, sourced to its session", async () => {
    expect(annRun.view.results).toEqual([expect.objectContaining({ event: "add", memory: MILL })]);
    expect(benRun.view.results).toEqual([expect.objectContaining({ event: "add", memory: WELL })]);
    for (const who of [ann, ben]) {
      const { injected, found } = await reads(who, [guild], QUERY);
      expect(texts(injected.memories).sort(), who.endUserId).toEqual([WELL, MILL]);
      for (const m of injected.memories) expect(m.scope).toEqual({ kind: "store", store: guild });
      expect(injected.context).toContain(MILL);
      expect(injected.context).toContain(WELL);
      expect(texts(found).sort()).toEqual([WELL, MILL]);
    }
    const list = await rest(relay.url, "GET", `/v1/stores/${guild}/memories`);
    expect(list.body.total).toBe(2);
    const byText = Object.fromEntries(list.body.memories.map((m: MemoryRecord) => [m.memory, m.sources.map((s) => s.sessionId)]));
    expect(byText).toEqual({ [MILL]: [annRun.sessionId], [WELL]: [benRun.sessionId] });
    // written to the store only: neither member's private memory has them
    expect(await listAll(relay.url, ann)).toEqual([]);
    expect(await listAll(relay.url, ben)).toEqual([]);
  });

  it("a player not in the store reads none of it, in no store or in another; a member's own private session neither", async () => {
    for (const [who, stores] of [[cat, undefined], [dan, [rivals]], [ann, undefined]] as const) {
      const { injected, found } = await reads(who, stores ? [...stores] : undefined, QUERY);
      expect(injected.memories, `${who.endUserId} in ${stores ?? "no store"}`).toEqual([]);
      expect(injected.total).toBe(0);
      expect(who === ann ? memoryPart(injected.context) : injected.context).not.toMatch(/mill|well/);
      expect(found).toEqual([]);
    }
  });

  it("a member's private pair memory is not visible to the store's members, and a member's store session never writes it", async () => {
    const own = await session(ann, undefined, ["I live in Denver.", "I collect old coins."]);
    const mine = texts(await listAll(relay.url, ann)).sort();
    expect(mine).toEqual(["The user collects old coins.", "The user lives in Denver."]);
    expect(own.view.results.every((r: { event: string }) => r.event === "add")).toBe(true);

    // Ben in the store (and Ann herself there: a session reads its stores, not the private pair)
    for (const who of [ben, ann]) {
      const { injected, found } = await reads(who, [guild], "Denver old coins collects lives");
      expect(texts(injected.memories).sort()).toEqual([WELL, MILL]);
      expect(who === ann ? memoryPart(injected.context) : injected.context).not.toMatch(/Denver|coins/);
      expect(texts(found).filter((t) => /Denver|coins/.test(t))).toEqual([]);
    }
    const store = await rest(relay.url, "GET", `/v1/stores/${guild}/memories`);
    expect(store.body.memories.map((m: MemoryRecord) => m.memory).join("\n")).not.toMatch(/Denver|coins/);

    // a store session's "I live in Austin" goes to the store; Ann's private "Denver" is untouched
    const moved = await session(ann, [guild], ["I live in Austin."]);
    expect(moved.view.results).toEqual([expect.objectContaining({ event: "add", memory: "The user lives in Austin." })]);
    expect(texts(await listAll(relay.url, ann)).sort()).toEqual(mine);
    // and Ann's private session reads her own memories, not the store's
    const { injected } = await reads(ann, undefined, "Austin");
    expect(texts(injected.memories).sort()).toEqual(mine);
  });
});

describe("character knowledge", () => {
  const npc = uid("bard"), guild = uid("guild");
  const [eve, fay, gus] = ["eve", "fay", "gus"].map((n): Pair => ({ endUserId: uid(n), characterId: npc }));
  const KNOWLEDGE = ["Their guild meets at the old mill.", "The inn opens at dawn."];
  let before: MemoryRecord[];

  beforeAll(async () => {
    const r = await rest(relay.url, "POST", `/v1/characters/${npc}/memories`, { memories: KNOWLEDGE });
    expect(r.status, r.text).toBe(200);
    before = (await rest(relay.url, "GET", `/v1/characters/${npc}/memories`)).body.memories;
    expect(texts(before).sort()).toEqual([...KNOWLEDGE].sort());
  });

  it("is injected to every player of the character, private or in a store, in the world group of context; not to another character's", async () => {
    for (const [who, stores] of [[eve, [guild]], [fay, undefined], [gus, undefined]] as const) {
      const { injected } = await reads(who, stores ? [...stores] : undefined, "inn dawn");
      expect(texts(injected.memories).sort(), who.endUserId).toEqual([...KNOWLEDGE].sort());
      for (const m of injected.memories) expect(m.scope).toEqual({ kind: "character", characterId: npc });
      const world = injected.context.split("\n\n").find((g) => g.startsWith("What you know about your world"));
      for (const k of KNOWLEDGE) expect(world).toContain(`- ${k}`);
    }
    const elsewhere = await reads({ endUserId: eve.endUserId, characterId: uid("other-npc") }, undefined, "inn dawn guild mill");
    expect(elsewhere.injected.memories).toEqual([]);
    expect(elsewhere.found).toEqual([]);
  });

  it("is never changed by extraction: sessions that repeat and then contradict it leave it as it was, and revise their own copy instead", async () => {
    const knowledgeIds = before.map((m) => m.id);
    // in a store: the same fact is the store's own memory, then the store's memory is revised
    const said = await session(eve, [guild], ["Our guild meets at the old mill."]);
    expect(said.view.results).toEqual([expect.objectContaining({ event: "add", memory: KNOWLEDGE[0] })]);
    const storeId = said.view.results[0].id;
    const contradicted = await session(eve, [guild], ["Our guild doesn't meet at the old mill anymore."]);
    expect(contradicted.view.results).toEqual([expect.objectContaining({ event: "update", id: storeId, previous: KNOWLEDGE[0] })]);
    // in a private session: a memory of the pair
    const privately = await session(fay, undefined, ["Our guild doesn't meet at the old mill anymore."]);
    expect(privately.view.results).toEqual([expect.objectContaining({ event: "add" })]);
    for (const r of [...said.view.results, ...contradicted.view.results, ...privately.view.results]) expect(knowledgeIds).not.toContain(r.id);

    // the knowledge: the same records, never updated, with only their REST add in their history
    expect((await rest(relay.url, "GET", `/v1/characters/${npc}/memories`)).body.memories).toEqual(before);
    for (const id of knowledgeIds) {
      const h = await rest(relay.url, "GET", `/v1/memories/${id}/history`);
      expect(h.body.history).toEqual([expect.objectContaining({ event: "add" })]);
      expect(h.body.history[0].sessionId).toBeUndefined();
    }
    // and every player is still given it as it was, beside their own revised memory
    const { injected } = await reads(fay, undefined, "guild");
    expect(texts(injected.memories)).toEqual(expect.arrayContaining([...KNOWLEDGE, "Their guild does not meet at the old mill anymore."]));
  });
});

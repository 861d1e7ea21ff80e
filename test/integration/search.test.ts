// memory:search ranking with embeddings off, against the real relay process, as a game would use it:
// the player's name and "the player" find each other's memories, related words find a memory that
// shares no word with the query (below an exact match), stop and question words never outrank
// content, dates match the memory's ISO date, importance and recency break ties, scores are
// descending, and a search never reads another player's (or character's) memories.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelay, type Relay } from "../helpers/relay.ts";
import { sqlite } from "../helpers/sqlite.ts";
import { authFor, connectClient, emit, newPair, pairPath, rest, runSession, sleep, turns, uid, type Pair } from "../helpers/wire.ts";

let relay: Relay;
beforeAll(async () => { relay = await startRelay(); });
afterAll(async () => { await relay?.stop(); });

type Hit = { id: string; memory: string; score: number; scope: unknown };

async function search(auth: Record<string, unknown>, query: string, limit?: number): Promise<Hit[]> {
  const c = await connectClient(relay.url, auth);
  try {
    const ack = await emit(c.socket, "memory:search", { query, ...(limit ? { limit } : {}) });
    expect(ack.ok, JSON.stringify(ack)).toBe(true);
    return ack.memories;
  } finally { c.close(); }
}

async function add(pair: Pair, memories: string[], pinned?: boolean): Promise<string[]> {
  const r = await rest(relay.url, "POST", pairPath(pair), { memories, ...(pinned ? { pinned } : {}) });
  expect(r.status, r.text).toBe(200);
  expect(r.body.results.map((x: any) => x.event)).toEqual(memories.map(() => "add"));
  return r.body.results.map((x: any) => x.id);
}

const texts = (hits: Hit[]) => hits.map((h) => h.memory);

describe("memory:search ranking", () => {
  const pair = newPair("search");
  const auth = () => authFor(pair);

  beforeAll(async () => {
    // the name comes from extraction, on the "name" slot, as it would in play
    const run = await runSession(relay.url, pair, turns("My name is Jordan Kim."));
    expect(run.view.results.map((r: any) => r.memory).join(" ")).toMatch(/Jordan Kim/);
    await add(pair, [
      "The user keeps bees on the roof.",
      "The user grows tomatoes on the balcony.",
      "Tomas the blacksmith grows wheat behind the forge.",
      "Jordan sings in the tavern choir.",
      "The user sold a car last spring.",
      "The user drives an old automobile.",
      "It is what it is, and that is how it was for them.",
      "The user sells pottery at the market.",
      "The user won the archery contest on 2025-03-12.",
      "The user won the chess contest on 2025-04-02.",
    ]);
  });

  it("the player's name finds memories that say \"the user\", and \"the player\" finds memories that use the name", async () => {
    const byName = texts(await search(auth(), "Jordan", 50));
    expect(byName).toContain("The user keeps bees on the roof."); // no word in common with the query
    expect(byName).toContain("Jordan sings in the tavern choir.");
    expect(byName).not.toContain("Tomas the blacksmith grows wheat behind the forge.");

    // every memory about the player ranks above one about someone else that only shares "the"
    const byPlayer = texts(await search(auth(), "Tell me about the player", 50));
    const tomas = byPlayer.indexOf("Tomas the blacksmith grows wheat behind the forge.");
    for (const m of ["Jordan sings in the tavern choir.", "The user grows tomatoes on the balcony.", "The user keeps bees on the roof."]) {
      expect(byPlayer).toContain(m);
      if (tomas >= 0) expect(byPlayer.indexOf(m)).toBeLessThan(tomas);
    }

    // the same words, but only one memory is about the player: it ranks first
    const grow = texts(await search(auth(), "What does Jordan grow?"));
    expect(grow[0]).toBe("The user grows tomatoes on the balcony.");
    expect(grow).toContain("Tomas the blacksmith grows wheat behind the forge.");
  });

  it("a related word finds a memory sharing no word with the query, below the exact match", async () => {
    const hits = texts(await search(auth(), "car"));
    expect(hits.slice(0, 2)).toEqual(["The user sold a car last spring.", "The user drives an old automobile."]);
  });

  it("one word written as two, or two as one, finds the memory ('work out' and 'workout', 'firefighter' and 'fire fighter')", async () => {
    const other = newPair("compounds");
    await add(other, [
      "The user does a workout at the barracks every morning.", "The user works at the mill.", "The user was a fire fighter in the old city.",
      "The user fights in the arena.", "The user lights a fire at camp.",
    ]);
    expect(texts(await search(authFor(other), "When does Jordan work out?"))[0]).toBe("The user does a workout at the barracks every morning.");
    expect(texts(await search(authFor(other), "Was Jordan ever a firefighter?"))[0]).toBe("The user was a fire fighter in the old city.");
  });

  it("a question that names a kind of memory (hobbies, pets, family, job, books, films, trips, exercise, how often, excitement) finds memories of that kind", async () => {
    const other = newPair("kinds");
    await add(other, [
      "The user enjoys knitting.", "The user has a dog named Rex.", "The user's sister Ana is a nurse.",
      "The user works at the harbor.", "The user saw a comet over the bay.", "The user keeps the coins in a chest.",
      "The user is reading The Long Winter.", "The user watched Iron Tide twice.", "The user went to Lisbon in May 2024.",
      "The user does judo on Tuesdays.", "The user rides to the coast twice a week.", "The user rides a grey mare.",
    ]);
    expect(texts(await search(authFor(other), "How often does Jordan ride?"))[0]).toBe("The user rides to the coast twice a week.");
    await add(other, ["The user is stoked about the harvest fair.", "The user sold the harvest cart."]);
    expect(texts(await search(authFor(other), "Which harvest thing has Jordan excited?"))[0]).toBe("The user is stoked about the harvest fair.");
    expect(texts(await search(authFor(other), "Which book is Jordan on?"))[0]).toBe("The user is reading The Long Winter.");
    expect(texts(await search(authFor(other), "What movies has Jordan seen?"))[0]).toBe("The user watched Iron Tide twice.");
    expect(texts(await search(authFor(other), "Where did Jordan travel?"))[0]).toBe("The user went to Lisbon in May 2024.");
    expect(texts(await search(authFor(other), "What exercise does Jordan do?"))[0]).toBe("The user does judo on Tuesdays.");
    expect(texts(await search(authFor(other), "What are my hobbies?"))[0]).toBe("The user enjoys knitting.");
    expect(texts(await search(authFor(other), "What pets do I have?"))[0]).toBe("The user has a dog named Rex.");
    expect(texts(await search(authFor(other), "Tell me about my family"))[0]).toBe("The user's sister Ana is a nurse.");
    expect(texts(await search(authFor(other), "What is my job?"))[0]).toBe("The user works at the harbor.");
  });

  it("a question for what a slot holds finds the memory on that slot, sharing no word with it ('What's my job?' → '… is a dog walker.')", async () => {
    const walker = newPair("slots");
    await runSession(relay.url, walker, turns("I'm a dog walker now.", ["character", "Fun!"], "I have a cat named Mochi.", ["character", "Cute!"],
      "I'm 27.", ["character", "Nice."], "I sometimes sell old walking sticks at the market."));
    expect(texts(await search(authFor(walker), "What's my job?"))[0]).toMatch(/is a dog walker/);
    expect(texts(await search(authFor(walker), "Do I have any pets?"))[0]).toMatch(/cat named Mochi/);
    expect(texts(await search(authFor(walker), "How old am I?"))[0]).toMatch(/27 years old/);
    // (the same words, added without a slot, are found by words alone: "job" finds nothing there)
    const unslotted = newPair("slots-rest");
    await add(unslotted, ["The user is a dog walker.", "The user sometimes sells old walking sticks at the market."]);
    expect(texts(await search(authFor(unslotted), "What's my job?"))[0] ?? "").not.toMatch(/dog walker/);
  });

  it("what the player said around the best match, in the same conversation, comes with it; what they said far from it does not", async () => {
    const talk = newPair("context");
    const said = [
      "I'm restoring the old mill by the river.", "I replaced the water wheel last week.", "The millstone needs a new axle.",
      "I sell honey at the market.", "I keep bees on the roof.", "I trade with the river barges.", "I fixed the chapel bell.",
      "I sing in the tavern choir.", "I grow turnips behind the house.", "I carve wooden spoons in winter.",
    ];
    const run = await runSession(relay.url, talk, turns(...said));
    const stored: string[] = run.view.results.map((r: any) => r.memory);
    const wheel = stored.find((m) => /water wheel/.test(m))!, spoons = stored.find((m) => /spoons/.test(m))!;
    expect([wheel, spoons].every(Boolean), stored.join(" | ")).toBe(true);
    const hits = texts(await search(authFor(talk), "How is the mill coming along?"));
    expect(hits[0]).toMatch(/restoring the old mill/);
    // one turn away, sharing no word with the question: found; nine turns away: not
    expect(hits).toContain(wheel);
    expect(hits).not.toContain(spoons);
  });

  it("a memory said again in a later conversation is found around what it was said next to there", async () => {
    const again = newPair("context-again");
    await runSession(relay.url, again, turns("I carve wooden spoons in winter."));
    // (searched once: the relay now holds this player's index, which must follow the memory's new source)
    expect(texts(await search(authFor(again), "How is the mill coming along?"))).toEqual([]);
    const run = await runSession(relay.url, again, turns("I'm restoring the old mill by the river.", "I carve wooden spoons in winter."));
    expect(run.view.results.map((r: any) => r.event)).toEqual(["add", "noop"]);
    const hits = texts(await search(authFor(again), "How is the mill coming along?"));
    expect(hits[0]).toMatch(/restoring the old mill/);
    expect(hits).toContainEqual(expect.stringMatching(/wooden spoons/));
  });

  it("a day or a month in the query finds what the player said in a conversation held then, above a better word match", async () => {
    const days = newPair("days");
    await runSession(relay.url, days, turns("I painted the old barn door red with my sister and her friends."), { endedAt: "2025-06-14T18:00:00.000Z" });
    await runSession(relay.url, days, turns("I painted the fence."), { endedAt: "2025-07-02T18:00:00.000Z" });
    const top = async (q: string) => texts(await search(authFor(days), q))[0];
    expect(await top("What did I paint?")).toMatch(/fence/);
    expect(await top("What did I paint on 14 June 2025?")).toMatch(/barn door/);
    expect(await top("What did I paint in June 2025?")).toMatch(/barn door/);
    expect(await top("What did I paint on July 2, 2025?")).toMatch(/fence/);
  });

  it("stop words and question words never outrank the query's content", async () => {
    const hits = texts(await search(auth(), "What is it that the player is doing with pottery, and how is it going?"));
    expect(hits[0]).toBe("The user sells pottery at the market.");
    // question words are dropped: nothing matches "when", "where", "why" or "how" (this memory has all four)
    await add(pair, ["The user asked when, where, why and how the ferry sails."]);
    expect(texts(await search(auth(), "When? Where? Why? How?"))).toEqual([]);
  });

  it("a date in the query matches the ISO date the memory carries", async () => {
    expect(texts(await search(auth(), "What did Jordan win in March 2025?"))[0]).toBe("The user won the archery contest on 2025-03-12.");
    expect(texts(await search(auth(), "What did Jordan win on April 2nd, 2025?"))[0]).toBe("The user won the chess contest on 2025-04-02.");
  });

  it("every result has a finite score, best first, and limit caps the answer", async () => {
    for (const q of ["Jordan", "car", "grows", "contest", "the player"]) {
      const hits = await search(auth(), q, 3);
      expect(hits.length).toBeGreaterThan(0);
      expect(hits.length).toBeLessThanOrEqual(3);
      for (const h of hits) expect(Number.isFinite(h.score) && h.score > 0).toBe(true);
      expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a));
    }
  });
});

describe("tie-breaks", () => {
  it("between memories that match alike, the more important one ranks first, then the more recent", async () => {
    const pair = newPair("ties");
    // (no word in common but the query's: neither repeats the other, so only the tie-break parts them)
    const [red] = await add(pair, ["The user keeps a red lantern."], true); // pinned: importance 1
    await sleep(5);
    const [blue] = await add(pair, ["The user hangs a blue lantern."]); // newer, importance 0.5
    const lanterns = await search(authFor(pair), "lantern");
    expect(lanterns.map((h) => h.id)).toEqual([red, blue]);
    // gentle: a tie-break, not a second relevance
    expect(lanterns[0].score / lanterns[1].score).toBeLessThan(1.16);

    const [green] = await add(pair, ["The user flies a green kite."]);
    await sleep(5);
    const [yellow] = await add(pair, ["The user flies a yellow kite."]);
    expect((await search(authFor(pair), "kite")).map((h) => h.id)).toEqual([yellow, green]);
    // touching the older one makes it the more recent
    await sleep(5);
    const patched = await rest(relay.url, "PATCH", `${pairPath(pair)}/${green}`, { metadata: { seen: true } });
    expect(patched.status, patched.text).toBe(200);
    expect((await search(authFor(pair), "kite")).map((h) => h.id)).toEqual([green, yellow]);
  });

  it("results that repeat a better one are discounted: the top results say different things", async () => {
    const pair = newPair("diverse");
    const [first, , , honey] = await add(pair, [
      "The user keeps bees on the roof.", "The user keeps bees in the garden.", "The user keeps bees near the mill.",
      "The user sells honey from the bees at the market.",
    ]);
    const hits = await search(authFor(pair), "bees", 2);
    expect(hits.map((h) => h.id)).toEqual([first, honey]);
    expect(hits[0].score).toBeGreaterThanOrEqual(hits[1].score);
    // all four are still found, best first
    const all = await search(authFor(pair), "bees");
    expect(all).toHaveLength(4);
    for (let i = 1; i < all.length; i++) expect(all[i - 1].score).toBeGreaterThanOrEqual(all[i].score);
  });

  it("a tie-break never lifts a weaker match over a stronger one", async () => {
    const pair = newPair("ties2");
    const [weak] = await add(pair, ["The user once saw a heron near a river bend far from the old mill road."], true);
    await sleep(5);
    const [strong] = await add(pair, ["The user paints herons."]);
    expect((await search(authFor(pair), "heron")).map((h) => h.id)).toEqual([strong, weak]);
  });
});

describe("isolation", () => {
  it("a search reads the player's own memories and their character's knowledge, never another player's or character's", async () => {
    const characterId = uid("iso-npc");
    const mine: Pair = { endUserId: uid("iso-me"), characterId };
    const theirs: Pair = { endUserId: uid("iso-them"), characterId };
    const elsewhere: Pair = { endUserId: mine.endUserId, characterId: uid("iso-other-npc") };
    const [own] = await add(mine, ["The user found a silver compass."]);
    const foreign = [
      ...(await add(theirs, ["The user found a silver compass.", "The user lost a silver compass."])),
      ...(await add(elsewhere, ["The user found a silver compass in another tale."])),
    ];
    const lore = await rest(relay.url, "POST", `/v1/characters/${characterId}/memories`, { memories: ["A silver compass points to the lighthouse."] });
    expect(lore.status, lore.text).toBe(200);
    const store = uid("iso-guild");
    const guild = await rest(relay.url, "POST", `/v1/stores/${store}/memories`, { memories: ["The guild keeps a silver compass in its vault."] });
    expect(guild.status, guild.text).toBe(200);

    const hits = await search(authFor(mine), "silver compass", 50);
    expect(hits.map((h) => h.id).sort()).toEqual([own, lore.body.results[0].id].sort());
    for (const h of hits) expect(foreign).not.toContain(h.id);

    // a session on a shared store reads the store and the character, not the private pair
    const shared = await search(authFor(mine, uid("s"), { memoryStores: [store] }), "silver compass", 50);
    expect(shared.map((h) => h.id).sort()).toEqual([guild.body.results[0].id, lore.body.results[0].id].sort());
  });

  it("another player's memories never move this player's ranking: how rare a word is counts among the player's own memories", async () => {
    const characterId = uid("rare-npc");
    const mine: Pair = { endUserId: uid("rare-me"), characterId };
    const theirs: Pair = { endUserId: uid("rare-them"), characterId };
    await add(mine, [
      "The user is building a dance studio downtown.",
      "The user teaches at the dance studio on weekends.",
      "The user wants a dance studio with big windows.",
      "The user is after sprung flooring for the studio.",
    ]);
    const query = "What flooring is the player after for the dance studio?";
    const before = await search(authFor(mine), query, 10);
    // among this player's memories, "dance" and "studio" are everywhere and "flooring" is rare
    expect(before[0].memory).toBe("The user is after sprung flooring for the studio.");
    // another player says "flooring" often and "dance studio" never: this player's results stay as they were
    await add(theirs, [
      "The user sanded the flooring of the barn.", "The user sells flooring to merchants.", "The user dreams of marble flooring.",
      "The user ripped out rotten flooring.", "The user stained pine flooring dark.", "The user priced cork flooring at the market.",
    ]);
    const after = await search(authFor(mine), query, 10);
    // (to six places: recency, a tie-break, moves on with the clock)
    expect(after.map((h) => [h.memory, h.score.toFixed(6)])).toEqual(before.map((h) => [h.memory, h.score.toFixed(6)]));
  });

  it("a memory changed or deleted is found by its new words at once, and never by its old ones", async () => {
    const pair = newPair("retext");
    const [id] = await add(pair, ["The user rides a grey mare named Ash."]);
    await add(pair, ["The user keeps a falcon."]);
    expect(texts(await search(authFor(pair), "mare", 10))).toEqual(["The user rides a grey mare named Ash."]);
    const patched = await rest(relay.url, "PATCH", `${pairPath(pair)}/${id}`, { memory: "The user rides a black stallion named Ash." });
    expect(patched.status, patched.text).toBe(200);
    expect(await search(authFor(pair), "mare", 10)).toEqual([]);
    expect(texts(await search(authFor(pair), "stallion", 10))).toEqual(["The user rides a black stallion named Ash."]);
    const gone = await rest(relay.url, "DELETE", `${pairPath(pair)}/${id}`);
    expect(gone.status, gone.text).toBe(200);
    expect(await search(authFor(pair), "stallion", 10)).toEqual([]);
    expect(texts(await search(authFor(pair), "falcon", 10))).toEqual(["The user keeps a falcon."]);
  });
});

describe("a data folder from before the relay ranked by itself", () => {
  it("opens with its full-text table gone, and finds what it held", async () => {
    const r = await startRelay();
    const pair = newPair("old-fts");
    try {
      const added = await rest(r.url, "POST", pairPath(pair), { memories: ["The user rides a grey mare named Ash."] });
      expect(added.status, added.text).toBe(200);
    } finally { await r.stop(); }
    // as the store was before this version: an FTS5 table beside the memories
    sqlite(r.dataDir, [{ sql: "create virtual table memories_fts using fts5(memory, tag, tokenize = 'porter unicode61')" }]);
    const again = await r.restart();
    try {
      const c = await connectClient(again.url, authFor(pair));
      try {
        const ack = await emit(c.socket, "memory:search", { query: "Which horse does the player ride?" });
        expect(ack.memories.map((m: Hit) => m.memory)).toEqual(["The user rides a grey mare named Ash."]);
      } finally { c.close(); }
    } finally { await again.stop(); }
    expect(sqlite(r.dataDir, [{ sql: "select name from sqlite_master where name like 'memories_fts%'" }])[0]).toEqual([]);
  });
});

// Injection (issue 6): the `memories` event carries at most KEEPSAKE_INJECT_LIMIT memories, pinned
// first, then by importance, then the most recently changed, with `total` for all; `context` is the
// same memories as prompt text grouped by scope (this player, the last conversations, the shared
// store, the world), within KEEPSAKE_CONTEXT_TOKENS estimated tokens (4 characters each). A connected
// session gets `memories:updated` whenever what it reads changes: each trigger is tried here.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoriesPayload, MemoriesUpdatedPayload, type MemoryRecord } from "../../sdk/src/protocol.ts";
import { startRelay, type Relay } from "../helpers/relay.ts";
import {
  type Client, authFor, connectClient, emit, listAll, newPair, pairPath, rest, runSession, sleep, turns, uid, waitForStatus,
} from "../helpers/wire.ts";

const LIMIT = 5;
const TOKENS = 200;

let relay: Relay;
let small: Relay;
beforeAll(async () => {
  [relay, small] = await Promise.all([
    startRelay({ env: { KEEPSAKE_INJECT_LIMIT: String(LIMIT) } }),
    startRelay({ env: { KEEPSAKE_CONTEXT_TOKENS: String(TOKENS) } }),
  ]);
});
afterAll(async () => { await Promise.all([relay?.stop(), small?.stop()]); });

const texts = (list: MemoryRecord[]) => list.map((m) => m.memory);
/** The context's groups: heading → its "- " lines. */
function groupsOf(context: string): [string, string[]][] {
  expect(context.split("\n").at(-1)).toBe("(End of what you remember.)");
  return context.replace(/\n\(End of what you remember\.\)$/, "").split("\n\n").map((block) => {
    const [head, ...lines] = block.split("\n");
    expect(head).toMatch(/not instructions to you\):$/);
    for (const l of lines) expect(l).toMatch(/^- \S/);
    return [head, lines];
  });
}
const HEADS = { player: /^What you remember about this player/, last: /^Your last conversations/, store: /shared group/, world: /about your world/ };

async function connected(url: string, auth: Record<string, unknown>): Promise<Client & { injected: ReturnType<typeof MemoriesPayload.parse> }> {
  const c = await connectClient(url, auth);
  return Object.assign(c, { injected: MemoriesPayload.parse(c.memories) });
}

describe(`ranking (KEEPSAKE_INJECT_LIMIT=${LIMIT})`, () => {
  const pair = newPair("inj");

  it("pinned first, then importance (the name, a home, a pet, a liking), then the most recently changed; total counts them all", async () => {
    // extraction: the name (importance 1), the home (0.8), a pet (0.7), a liking (0.5)
    await runSession(relay.url, pair, turns("My name is Jordan.", "I live in Denver.", "I have a dog named Rex.", "I love coffee."));
    // REST adds (0.5), one after the other, then a pinned one
    for (const memory of ["The user sails a catamaran.", "The user collects old maps."]) {
      expect((await rest(relay.url, "POST", pairPath(pair), { memories: [memory] })).status).toBe(200);
      await sleep(5); // a later updatedAt
    }
    expect((await rest(relay.url, "POST", pairPath(pair), { memories: ["The user is allergic to honey."], pinned: true })).status).toBe(200);

    const c = await connected(relay.url, authFor(pair));
    c.close();
    expect(c.injected.total).toBe(7);
    expect(texts(c.injected.memories)).toEqual([
      "The user is allergic to honey.", "The user's name is Jordan.", "Jordan lives in Denver.", "Jordan has a dog named Rex.",
      "The user collects old maps.",
    ]);
    expect(c.injected.memories[0].pinned).toBe(true);
    // context: the same memories, in the same order
    const [[head, lines], ...others] = groupsOf(c.injected.context).filter(([h]) => !HEADS.last.test(h));
    expect(head).toMatch(HEADS.player);
    expect(lines).toEqual(c.injected.memories.map((m) => `- ${m.memory}`));
    expect(others).toEqual([]);
  });

  it("a memory changed more recently ranks above others of its importance, and the connected session is told", async () => {
    const watcher = await connected(relay.url, authFor(pair));
    try {
      const coffee = (await listAll(relay.url, pair)).find((m) => /coffee/.test(m.memory))!;
      const mark = watcher.events.length;
      expect((await rest(relay.url, "PATCH", `${pairPath(pair)}/${coffee.id}`, { metadata: { mentioned: "twice" } })).status).toBe(200);
      const u = MemoriesUpdatedPayload.parse(await watcher.next("memories:updated", () => true, 5_000, mark));
      expect(u.total).toBe(7);
      expect(texts(u.memories).at(-1)).toBe("Jordan loves coffee.");
      // what a fresh connect gets
      const fresh = await connected(relay.url, authFor(pair));
      fresh.close();
      expect(u).toEqual({ memories: fresh.injected.memories, total: fresh.injected.total, context: fresh.injected.context });
    } finally { watcher.close(); }
  });
});

describe("context grouped by scope", () => {
  it("a private session: this player, the last conversations, the world; a store session: the last conversations, the store, the world", async () => {
    const characterId = uid("inj-npc");
    const pair = { endUserId: uid("inj-user"), characterId };
    const store = uid("inj-guild");
    expect((await rest(relay.url, "POST", `/v1/characters/${characterId}/memories`, { memories: ["The inn opens at dawn."] })).status).toBe(200);
    await runSession(relay.url, pair, turns("I live in Denver."));
    const sessionId = uid("s");
    await runSession(relay.url, pair, turns("I love jazz."), { sessionId, auth: authFor(pair, sessionId, { memoryStores: [store] }) });

    const own = await connected(relay.url, authFor(pair));
    own.close();
    const groups = groupsOf(own.injected.context);
    expect(groups.map(([h]) => Object.entries(HEADS).find(([, re]) => re.test(h))?.[0])).toEqual(["player", "last", "world"]);
    expect(groups[0][1]).toEqual(["- The user lives in Denver."]);
    expect(groups[2][1]).toEqual(["- The inn opens at dawn."]);
    // the last conversations are the player's own with this character, whichever memory they wrote to
    expect(groups[1][1]).toEqual([expect.stringMatching(/^- Last time, on \d{4}-\d{2}-\d{2}: The user loves jazz\.$/), expect.stringMatching(/^- Before that, on .*: The user lives in Denver\.$/)]);

    const member = await connected(relay.url, authFor(pair, uid("s"), { memoryStores: [store] }));
    member.close();
    const inStore = groupsOf(member.injected.context);
    expect(inStore.map(([h]) => Object.entries(HEADS).find(([, re]) => re.test(h))?.[0])).toEqual(["last", "store", "world"]);
    expect(inStore[1][1]).toEqual(["- The user loves jazz."]);
    expect(texts(member.injected.memories).sort()).toEqual(["The inn opens at dawn.", "The user loves jazz."]);
  });
});

describe(`token budget (KEEPSAKE_CONTEXT_TOKENS=${TOKENS}, estimated as characters / 4)`, () => {
  it("the whole context stays within the budget: the best-ranked memories that fit, and the last conversation; memories are not cut by it", async () => {
    const pair = newPair("inj-budget");
    await runSession(small.url, pair, turns("My name is Jordan.", "I'm looking for the blue key."));
    const many = [
      "amber lantern", "bronze compass", "cedar flute", "copper kettle", "crystal goblet", "ebony chessboard", "emerald brooch",
      "granite mortar", "hazel walking stick", "iron anvil", "ivory comb", "jade figurine", "leather saddle", "linen banner",
      "marble bust", "oak barrel", "obsidian dagger", "pewter tankard", "pine canoe", "quartz pendulum", "ruby ring",
      "silk scarf", "silver locket", "slate tablet", "tin whistle", "velvet cloak", "walnut desk", "wool blanket",
      "yew longbow", "zinc bucket",
    ].map((thing) => `Jordan owns a ${thing}.`);
    expect((await rest(small.url, "POST", pairPath(pair), { memories: many })).status).toBe(200);

    const c = await connected(small.url, authFor(pair));
    c.close();
    expect(c.injected.total).toBe(32);
    expect(c.injected.memories.length).toBe(32); // the injection limit (50) is apart from the budget
    expect(c.injected.context.length).toBeLessThanOrEqual(TOKENS * 4);
    const groups = groupsOf(c.injected.context);
    const [player, last] = [groups.find(([h]) => HEADS.player.test(h))![1], groups.find(([h]) => HEADS.last.test(h))![1]];
    expect(player.length).toBeGreaterThan(1);
    expect(player.length).toBeLessThan(32);
    // in rank order, the best first (a line that does not fit leaves room for shorter ones after it)
    const ranked = c.injected.memories.map((m) => `- ${m.memory}`);
    expect(player.map((l) => ranked.indexOf(l))).toEqual(player.map((l) => ranked.indexOf(l)).sort((a, b) => a - b));
    expect(player.slice(0, 2)).toEqual(ranked.slice(0, 2));
    expect(player[0]).toBe("- The user's name is Jordan.");
    expect(last).toEqual([expect.stringMatching(/^- Last time, on \d{4}-\d{2}-\d{2}: Jordan is looking for the blue key\.$/)]);
  });

  it("KEEPSAKE_INJECT_LIMIT and KEEPSAKE_CONTEXT_TOKENS must be whole numbers from 1: the relay exits with 2 otherwise", async () => {
    await expect(startRelay({ env: { KEEPSAKE_INJECT_LIMIT: "lots" } })).rejects.toThrow(/exited with 2[\s\S]*KEEPSAKE_INJECT_LIMIT=lots/);
    await expect(startRelay({ env: { KEEPSAKE_CONTEXT_TOKENS: "0" } })).rejects.toThrow(/exited with 2[\s\S]*KEEPSAKE_CONTEXT_TOKENS=0/);
  });
});

describe("memories:updated, trigger by trigger", () => {
  const others: Client[] = [];
  afterAll(() => { for (const c of others) c.close(); });
  /** a socket of an unrelated player of another character: must hear nothing */
  const bystander = async () => {
    const c = await connectClient(relay.url, authFor(newPair("inj-by")));
    others.push(c);
    return c;
  };
  const updates = (c: Client) => c.events.filter((e) => e.event === "memories:updated");

  it("an earlier session extracted (shipped from the outbox by the connected socket itself)", async () => {
    const pair = newPair("inj-outbox");
    const by = await bystander();
    const c = await connected(relay.url, authFor(pair));
    try {
      const earlier = uid("s");
      expect((await emit(c.socket, "transcript", { sessionId: earlier, turns: turns("I live in Lisbon.") })).ok).toBe(true);
      expect((await emit(c.socket, "session:end", { sessionId: earlier, turnCount: 1 })).ok).toBe(true);
      await waitForStatus(relay.url, earlier);
      const u = MemoriesUpdatedPayload.parse(await c.next("memories:updated", (p) => p.total === 1, 5_000));
      expect(texts(u.memories)).toEqual(["The user lives in Lisbon."]);
      expect(u.context).toMatch(/Last time, on .*: The user lives in Lisbon\./);
      expect(updates(by)).toEqual([]);
    } finally { c.close(); }
  });

  it("an admin adds, changes or deletes the world's knowledge (every player of the character) or a shared store's memories (its members)", async () => {
    const characterId = uid("inj-npc");
    const store = uid("inj-party");
    const by = await bystander();
    const player = await connected(relay.url, authFor({ endUserId: uid("inj-a"), characterId }));
    const member = await connected(relay.url, authFor({ endUserId: uid("inj-b"), characterId }, uid("s"), { memoryStores: [store] }));
    try {
      let mark = [player.events.length, member.events.length];
      const added = await rest(relay.url, "POST", `/v1/characters/${characterId}/memories`, { memories: ["The bridge to the north is broken."] });
      const id = added.body.results[0].id;
      for (const c of [player, member]) {
        const u = await c.next("memories:updated", (p) => p.memories.some((m: any) => m.id === id), 5_000, mark[[player, member].indexOf(c)]);
        expect(u.context).toContain("- The bridge to the north is broken.");
      }
      mark = [player.events.length, member.events.length];
      expect((await rest(relay.url, "PATCH", `/v1/characters/${characterId}/memories/${id}`, { memory: "The bridge to the north is mended." })).status).toBe(200);
      for (const [i, c] of [player, member].entries()) await c.next("memories:updated", (p) => /mended/.test(p.context), 5_000, mark[i]);
      mark = [player.events.length, member.events.length];
      expect((await rest(relay.url, "DELETE", `/v1/characters/${characterId}/memories/${id}`)).status).toBe(200);
      for (const [i, c] of [player, member].entries()) await c.next("memories:updated", (p) => p.total === 0, 5_000, mark[i]);

      const before = updates(player).length;
      expect((await rest(relay.url, "POST", `/v1/stores/${store}/memories`, { memories: ["The party meets at the old mill."] })).status).toBe(200);
      const u = await member.next("memories:updated", (p) => /old mill/.test(p.context), 5_000);
      expect(u.memories.map((m: any) => m.scope)).toEqual([{ kind: "store", store }]);
      // the player outside the store is not told of it, nor is anyone else
      await sleep(200);
      expect(updates(player).length).toBe(before);
      expect(updates(by)).toEqual([]);
    } finally { player.close(); member.close(); }
  });

  it("another player's session on the same shared store: its members are told, but hear none of that player's summary", async () => {
    const characterId = uid("inj-npc");
    const store = uid("inj-guild");
    const writer = { endUserId: uid("inj-w"), characterId };
    const reader = await connected(relay.url, authFor({ endUserId: uid("inj-r"), characterId }, uid("s"), { memoryStores: [store] }));
    try {
      const sessionId = uid("s");
      await runSession(relay.url, writer, turns("I grew up in Lima."), { sessionId, auth: authFor(writer, sessionId, { memoryStores: [store] }) });
      const u = MemoriesUpdatedPayload.parse(await reader.next("memories:updated", (p) => /Lima/.test(p.context), 5_000));
      expect(texts(u.memories)).toEqual(["The user grew up in Lima."]);
      expect(u.context).not.toMatch(/Last time/);
    } finally { reader.close(); }
  });

  it("a session that changed no memory but has a summary: the player's own sockets are told (their context changed), other members of the store are not", async () => {
    const characterId = uid("inj-npc");
    const store = uid("inj-crew");
    const player = { endUserId: uid("inj-p"), characterId };
    const other = await connected(relay.url, authFor({ endUserId: uid("inj-o"), characterId }, uid("s"), { memoryStores: [store] }));
    const s1 = uid("s");
    await runSession(relay.url, player, turns("I play the cello."), { sessionId: s1, auth: authFor(player, s1, { memoryStores: [store] }) });
    const own = await connected(relay.url, authFor(player, uid("s"), { memoryStores: [store] }));
    try {
      const marks = [own.events.length, other.events.length];
      const s2 = uid("s");
      const run = await runSession(relay.url, player, turns("I play the cello."), { sessionId: s2, auth: authFor(player, s2, { memoryStores: [store] }) });
      expect(run.view.results.map((r: any) => r.event)).toEqual(["noop"]);
      const u = MemoriesUpdatedPayload.parse(await own.next("memories:updated", (p) => /Before that/.test(p.context), 5_000, marks[0]));
      expect(u.context.match(/^- (Last time|Before that), on .*: The user plays the cello\.$/gm)?.length).toBe(2);
      await other.next("session:processed", (p) => p.sessionId === s2, 5_000, marks[1]);
      await sleep(200);
      expect(other.events.slice(marks[1]).filter((e) => e.event === "memories:updated")).toEqual([]);
    } finally { own.close(); other.close(); }
  });
});

// The memory loop as a player lives it, against the real relay process: a session ships facts, the
// next connect injects them, corrections update in place, repeats change nothing, negations withdraw.
// The tests of this file run in order and build on each other (one end user, one character).
//
// Content checks depend on the built-in extractor only loosely: a memory "contains Denver", the name
// memory "contains Jordan"; never an exact sentence.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoriesPayload, MemoriesUpdatedPayload, MemoryRecord, SessionProcessedPayload } from "../../sdk/src/protocol.ts";
import { startRelay, type Relay } from "../helpers/relay.ts";
import {
  FIRST_PERSON, authFor, cameFrom, connectClient, emit, listAll, newPair, pairPath, rest, runSession, turn, turns, uid,
  type Client, type SessionRun,
} from "../helpers/wire.ts";

let relay: Relay;
beforeAll(async () => { relay = await startRelay(); });
afterAll(async () => { await relay?.stop(); });

const pair = newPair("flow");
const EVENT_AT = "2025-03-12T16:45:00Z";

const firstTurns = turns(
  "My name is Jordan.", // 0
  ["character", "Nice to meet you, Jordan!"], // 1
  "I live in Denver.", // 2
  "I work as a welder.", // 3
  "I love coffee.", // 4
  ["event", "completed the confined-space entry certification", EVENT_AT], // 5
  ["character", "Congratulations on the certification!"], // 6
);
const SEQ = { name: 0, city: 2, job: 3, coffee: 4, event: 5 } as const;

let first: SessionRun;
let injected: MemoryRecord[] = [];
const idOf: Partial<Record<keyof typeof SEQ, string>> = {};

function memoryFrom(list: MemoryRecord[], sessionId: string, seq: number, re: RegExp): MemoryRecord | undefined {
  return list.find((m) => cameFrom(m, sessionId, seq) && re.test(m.memory));
}

describe("memory flow", () => {
  it("first session: transcript is acked with the turn count, end is queued or processed, session:processed carries adds", async () => {
    first = await runSession(relay.url, pair, firstTurns);
    expect(first.client.firstEvent).toBe("memories");
    const greeting = MemoriesPayload.parse(first.client.memories);
    expect(greeting).toMatchObject({ sessionId: first.sessionId, enabled: true, memories: [], total: 0 });

    expect(first.transcriptAck).toEqual({ ok: true, received: firstTurns.length });
    expect(first.endAck.ok).toBe(true);
    expect(["queued", "processed"]).toContain(first.endAck.status);

    expect(first.processed, "session:processed reached the socket that ended the session").not.toBeNull();
    const processed = SessionProcessedPayload.parse(first.processed);
    expect(processed.sessionId).toBe(first.sessionId);
    const adds = processed.results.filter((r) => r.event === "add");
    expect(adds.length).toBeGreaterThanOrEqual(5);
    // a first session of a new pair has nothing to update or delete
    expect(processed.results.filter((r) => r.event === "update" || r.event === "delete")).toEqual([]);
    const text = adds.map((r) => r.memory).join("\n");
    for (const word of [/Jordan/, /Denver/, /welder/i, /coffee/i, /certification/i]) expect(text).toMatch(word);

    // the stored session says the same
    expect(first.view).toMatchObject({ sessionId: first.sessionId, endUserId: pair.endUserId, characterId: pair.characterId, status: "processed", turns: firstTurns.length });
    expect(first.view.results).toEqual(processed.results);
  });

  it("second connect gets memories first: third person, sourced to the right turns, in the context text", async () => {
    const c = await connectClient(relay.url, authFor(pair));
    try {
      expect(c.firstEvent).toBe("memories");
      const payload = MemoriesPayload.parse(c.memories);
      expect(payload.enabled).toBe(true);
      injected = payload.memories;
      expect(payload.total).toBe(new Set(first.view.results.filter((r: any) => r.event === "add").map((r: any) => r.id)).size);
      expect(injected.length).toBe(payload.total); // five memories are well under any injection limit

      for (const m of injected) {
        expect(m.memory, `"${m.memory}" is third person`).not.toMatch(FIRST_PERSON);
        expect(m.scope).toEqual({ kind: "pair", endUserId: pair.endUserId, characterId: pair.characterId });
        expect(m.sources.length).toBeGreaterThan(0);
        for (const s of m.sources) expect(s.sessionId).toBe(first.sessionId);
      }
      const name = memoryFrom(injected, first.sessionId, SEQ.name, /Jordan/);
      const city = memoryFrom(injected, first.sessionId, SEQ.city, /Denver/);
      const job = memoryFrom(injected, first.sessionId, SEQ.job, /welder/i);
      const coffee = memoryFrom(injected, first.sessionId, SEQ.coffee, /coffee/i);
      const event = memoryFrom(injected, first.sessionId, SEQ.event, /certification/i);
      expect({ name, city, job, coffee, event }).toEqual({
        name: expect.anything(), city: expect.anything(), job: expect.anything(), coffee: expect.anything(), event: expect.anything(),
      });
      expect(event!.memory, "the game event is dated by its turn").toMatch(/2025-03-12/);
      Object.assign(idOf, { name: name!.id, city: city!.id, job: job!.id, coffee: coffee!.id, event: event!.id });

      for (const word of [/Jordan/, /Denver/, /welder/i, /coffee/i, /certification/i]) expect(payload.context).toMatch(word);
    } finally { c.close(); }
  });

  it("repeating the same facts in a new session adds nothing: every result is noop, the count is unchanged", async () => {
    const before = await listAll(relay.url, pair);
    const again = await runSession(relay.url, pair, firstTurns);
    expect(again.endAck.ok).toBe(true);
    expect(again.view.results.length).toBeGreaterThan(0);
    expect(again.view.results.map((r: any) => r.event)).toEqual(again.view.results.map(() => "noop"));
    const after = await listAll(relay.url, pair);
    expect(after.length).toBe(before.length);
    expect(after.map((m) => m.id).sort()).toEqual(before.map((m) => m.id).sort());
    expect(after.map((m) => m.memory).sort()).toEqual(before.map((m) => m.memory).sort());
  });

  it("a correction updates the name memory in place; a socket on the same pair hears memories:updated and session:processed", async () => {
    const watcher: Client = await connectClient(relay.url, authFor(pair));
    const bystander: Client = await connectClient(relay.url, authFor({ endUserId: uid("flow-bystander"), characterId: pair.characterId }));
    try {
      const mark = watcher.events.length;
      const before = await listAll(relay.url, pair);
      const oldName = before.find((m) => m.id === idOf.name)!;
      const fix = await runSession(relay.url, pair, turns("Actually my name is Jordan Kim."));

      const update = fix.view.results.find((r: any) => r.id === idOf.name);
      expect(update, `results ${JSON.stringify(fix.view.results)} update the name memory ${idOf.name}`).toBeDefined();
      expect(update.event).toBe("update");
      expect(update.previous).toBe(oldName.memory);
      expect(update.memory).toMatch(/Jordan Kim/);
      expect(fix.view.results.filter((r: any) => r.event === "add")).toEqual([]);

      const after = await listAll(relay.url, pair);
      expect(after.length).toBe(before.length);
      const name = after.find((m) => m.id === idOf.name)!;
      expect(name.memory).toMatch(/Jordan Kim/);
      expect(name.memory).not.toMatch(FIRST_PERSON);
      expect(cameFrom(name, fix.sessionId, 0)).toBe(true);
      expect(Date.parse(name.updatedAt)).toBeGreaterThanOrEqual(Date.parse(oldName.updatedAt));

      const h = await rest(relay.url, "GET", `/v1/memories/${idOf.name}/history`);
      expect(h.status).toBe(200);
      const changes = h.body.history.filter((e: any) => e.event !== "noop");
      expect(changes.map((e: any) => e.event)).toEqual(["add", "update"]);
      expect(changes[1]).toMatchObject({ event: "update", previous: oldName.memory, memory: name.memory });
      if (changes[1].sessionId !== undefined) expect(changes[1].sessionId).toBe(fix.sessionId);
      expect(Number.isNaN(Date.parse(changes[1].at))).toBe(false);

      // the idle socket of the same pair was told
      const processed = SessionProcessedPayload.parse(await watcher.next("session:processed", (p) => p?.sessionId === fix.sessionId, 5_000, mark));
      expect(processed.results).toEqual(fix.view.results);
      const updated = MemoriesUpdatedPayload.parse(await watcher.next("memories:updated", (p) => p?.memories?.some((m: any) => /Jordan Kim/.test(m.memory)), 5_000, mark));
      expect(updated.total).toBe(after.length);
      expect(updated.context).toMatch(/Jordan Kim/);
      // a socket of another player of the same character hears nothing of it
      expect(bystander.events.filter((e) => e.event !== "memories")).toEqual([]);
    } finally { watcher.close(); bystander.close(); }
  });

  it("a negation withdraws the coffee preference (update or delete)", async () => {
    const neg = await runSession(relay.url, pair, turns("I don't like coffee anymore."));
    const r = neg.view.results.find((x: any) => x.id === idOf.coffee);
    expect(r, `results ${JSON.stringify(neg.view.results)} touch the coffee memory`).toBeDefined();
    expect(["update", "delete"]).toContain(r.event);
    const after = await listAll(relay.url, pair);
    const coffee = after.find((m) => m.id === idOf.coffee);
    if (r.event === "delete") expect(coffee).toBeUndefined();
    else expect(coffee!.memory).toMatch(/\bnot\b|n't|no longer|dislike|stopped/i);
    // nothing left says the user likes coffee
    for (const m of after.filter((m) => /coffee/i.test(m.memory))) expect(m.memory).toMatch(/\bnot\b|n't|no longer|dislike|stopped/i);
    // the other facts are untouched
    for (const key of ["name", "city", "job", "event"] as const) expect(after.some((m) => m.id === idOf[key])).toBe(true);
  });

  it("memory:search answers scored memories of this pair only", async () => {
    const other = newPair("flow-other");
    const added = await rest(relay.url, "POST", pairPath(other), {
      memories: ["The user lives in Denver and drives a truck.", "The user was born in Denver.", "The user watches Denver hockey games."],
    });
    expect(added.status).toBe(200);
    const otherIds: string[] = added.body.results.map((r: any) => r.id);
    expect(new Set(otherIds).size).toBe(3);

    const c = await connectClient(relay.url, authFor(pair));
    try {
      const ack = await emit(c.socket, "memory:search", { query: "Denver" });
      expect(ack.ok).toBe(true);
      expect(ack.memories.length).toBeGreaterThan(0);
      for (const m of ack.memories) {
        MemoryRecord.parse(m);
        expect(typeof m.score).toBe("number");
        expect(Number.isFinite(m.score)).toBe(true);
        expect(m.scope).toEqual({ kind: "pair", endUserId: pair.endUserId, characterId: pair.characterId });
        expect(otherIds).not.toContain(m.id);
      }
      expect(ack.memories.some((m: any) => m.id === idOf.city)).toBe(true);

      const truck = await emit(c.socket, "memory:search", { query: "truck" });
      expect(truck.ok).toBe(true);
      for (const m of truck.memories) expect(otherIds).not.toContain(m.id);
    } finally { c.close(); }

    // the other pair sees its own memories only, and limit caps the answer
    const o = await connectClient(relay.url, authFor(other));
    try {
      const all = await emit(o.socket, "memory:search", { query: "Denver", limit: 50 });
      expect(all.ok).toBe(true);
      expect(all.memories.map((m: any) => m.id).sort()).toEqual([...otherIds].sort());
      const two = await emit(o.socket, "memory:search", { query: "Denver", limit: 2 });
      expect(two.ok).toBe(true);
      expect(two.memories.length).toBe(2);
    } finally { o.close(); }
  });

  it("the next connect injects the corrected state", async () => {
    const c = await connectClient(relay.url, authFor(pair));
    try {
      const p = MemoriesPayload.parse(c.memories);
      const list = await listAll(relay.url, pair);
      expect(p.total).toBe(list.length);
      expect(p.memories.map((m) => m.id).sort()).toEqual(list.map((m) => m.id).sort());
      expect(p.context).toMatch(/Jordan Kim/);
      expect(p.memories.find((m) => m.id === idOf.name)!.memory).toMatch(/Jordan Kim/);
    } finally { c.close(); }
  });

  it("a character with memory switched off: enabled false, nothing injected, the session ends disabled and stores nothing", async () => {
    const off = newPair("flow-off");
    expect((await rest(relay.url, "POST", pairPath(off), { memories: ["The user owns a red kayak."] })).status).toBe(200);
    const put = await rest(relay.url, "PUT", `/v1/characters/${off.characterId}/settings`, { memoryEnabled: false });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ memoryEnabled: false });
    expect((await rest(relay.url, "GET", `/v1/characters/${off.characterId}/settings`)).body).toMatchObject({ memoryEnabled: false });

    const sessionId = uid("s");
    const c = await connectClient(relay.url, authFor(off, sessionId));
    try {
      expect(c.memories).toMatchObject({ sessionId, enabled: false, memories: [] });
      const t = await emit(c.socket, "transcript", { sessionId, turns: turns("My name is Quinn.", "I live in Boston.") });
      expect(t.ok).toBe(true);
      const end = await emit(c.socket, "session:end", { sessionId, turnCount: 2 });
      expect(end).toEqual({ ok: true, status: "disabled" });
    } finally { c.close(); }
    const mems = await listAll(relay.url, off);
    expect(mems.map((m) => m.memory)).toEqual([expect.stringMatching(/kayak/)]);

    // switched back on, it injects again
    expect((await rest(relay.url, "PUT", `/v1/characters/${off.characterId}/settings`, { memoryEnabled: true })).status).toBe(200);
    const again = await connectClient(relay.url, authFor(off));
    try {
      expect(again.memories.enabled).toBe(true);
      expect(again.memories.memories.some((m: any) => /kayak/.test(m.memory))).toBe(true);
    } finally { again.close(); }
  });

  it("turns keep their own metadata and a user turn without facts extracts nothing", async () => {
    const quiet = newPair("flow-quiet");
    const run = await runSession(relay.url, quiet, [
      { ...turn(0, "user", "Hello there."), metadata: { location: "harbor", mood: "calm" } },
      turn(1, "character", "Welcome to the harbor, traveler."),
    ]);
    expect(run.endAck.ok).toBe(true);
    expect(run.view.results.filter((r: any) => r.event !== "noop")).toEqual([]);
    expect(await listAll(relay.url, quiet)).toEqual([]);
  });

  it("pinned memories are never changed by extraction", async () => {
    const p = newPair("flow-pin");
    const first = await runSession(relay.url, p, turns("My name is Robin.", "I love tea."));
    const ids = first.view.results.filter((r: any) => r.event === "add").map((r: any) => r.id);
    expect(ids.length).toBe(2);
    for (const id of ids) expect((await rest(relay.url, "PATCH", `${pairPath(p)}/${id}`, { pinned: true })).status).toBe(200);
    const before = await listAll(relay.url, p);

    const change = await runSession(relay.url, p, turns("Actually my name is Robin Lee.", "I don't like tea anymore."));
    for (const r of change.view.results.filter((r: any) => ids.includes(r.id))) expect(r.event).toBe("noop");
    const after = await listAll(relay.url, p);
    for (const m of before) {
      expect(after.find((x) => x.id === m.id), `pinned "${m.memory}" survives`).toMatchObject({ memory: m.memory, pinned: true });
    }
  });

  it("a session on a shared store writes to the store, and every reader of the store is told", async () => {
    const store = uid("flow-guild");
    const writer = { endUserId: uid("flow-w"), characterId: pair.characterId };
    const reader = { endUserId: uid("flow-r"), characterId: pair.characterId };
    const listener = await connectClient(relay.url, authFor(reader, uid("s"), { memoryStores: [store] }));
    try {
      const mark = listener.events.length;
      const sessionId = uid("s");
      const run = await runSession(relay.url, writer, turns("I live in Lima."), { sessionId, auth: authFor(writer, sessionId, { memoryStores: [store] }) });
      expect(run.view.results.some((r: any) => r.event === "add" && /Lima/.test(r.memory))).toBe(true);
      const inStore = await rest(relay.url, "GET", `/v1/stores/${store}/memories`);
      expect(inStore.body.memories.map((m: any) => m.memory).join("\n")).toMatch(/Lima/);
      expect(inStore.body.memories.every((m: any) => m.scope.kind === "store" && m.scope.store === store)).toBe(true);
      expect(await listAll(relay.url, writer)).toEqual([]);
      const pushed = await listener.next("session:processed", (x) => x?.sessionId === run.sessionId, 5_000, mark);
      expect(pushed.results).toEqual(run.view.results);
      const updated = await listener.next("memories:updated", (x) => /Lima/.test(x?.context ?? ""), 5_000, mark);
      expect(updated.memories.some((m: any) => /Lima/.test(m.memory))).toBe(true);
    } finally { listener.close(); }
  });

  it("a pet or relative named in an earlier session is the user's own when a later session starts a sentence with the name", async () => {
    const owner = newPair("flow-kin");
    await runSession(relay.url, owner, turns("I have a dog named Biscuit.", ["character", "What a lovely name!"]));
    const later = await runSession(relay.url, owner, turns("Biscuit passed away last week.", ["character", "I'm so sorry."]));
    expect(later.view.results.map((r: any) => r.memory).join(" ")).toMatch(/dog Biscuit passed away/);
    // (the same line from a player whose memories name no Biscuit says nothing of them)
    const stranger = await runSession(relay.url, newPair("flow-kin-stranger"), turns("Biscuit passed away last week."));
    expect(stranger.view.results).toEqual([]);
  });

  it("a liking said again in other words, in a later session, is the memory it was: no second one", async () => {
    const player = newPair("flow-liking");
    await runSession(relay.url, player, turns("I like to listen to rock music.", ["character", "Nice!"], "I love to go hiking on weekends."));
    const later = await runSession(relay.url, player, turns("I love rock music.", ["character", "Me too."], "I like to hike on weekends."));
    expect(later.view.results.map((r: any) => r.event)).toEqual(["noop", "noop"]);
    const kept = (await listAll(relay.url, player)).map((m) => m.memory);
    expect(kept.filter((m) => /rock music/.test(m))).toHaveLength(1);
    expect(kept.filter((m) => /hik/.test(m))).toHaveLength(1);
  });
});

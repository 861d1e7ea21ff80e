// The SDK against the real relay process: KeepsakeClient → socket.io → relay/main.ts (Deno), with
// real IndexedDB semantics (fake-indexeddb, reset per test: a fresh browser profile).
//
// Assertions marked EXTRACTION depend on what the relay's built-in extractor makes of the turns.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  KeepsakeClient, type KeepsakeClientOptions, KeepsakeError, LIMITS, type MemoryRecord, type MemorySession,
  type SessionProcessedPayload, StaticEndUserIdProvider,
} from "../../sdk/src/index.ts";
import { type Relay, startRelay, waitFor } from "../helpers/relay.ts";
import { ADMIN_KEY, hs256, inSeconds, startTokenRelay } from "../helpers/tokens.ts";
import { rest, sessionOrNull } from "../helpers/wire.ts";
import { CLOCK_TOLERANCE_S } from "../../relay/auth.ts";
import { readKeepsakeDb, relayClients } from "./helpers.ts";

let relay: Relay;
beforeAll(async () => { relay = await startRelay(); });
afterAll(async () => { await relay?.stop(); });
const { ids, client } = relayClients("player", () => relay.url);
const restSession = (sessionId: string) => sessionOrNull(relay.url, sessionId);

/** Resolves with the `sessionProcessed` of `sessionId` seen by `c`. */
function processed(c: KeepsakeClient, sessionId: () => string): Promise<SessionProcessedPayload> {
  return new Promise((resolve) => {
    const off = c.on("sessionProcessed", (p) => { if (p.sessionId === sessionId()) { off(); resolve(p); } });
  });
}
const within = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms))]);
const mentions = (memories: MemoryRecord[], word: RegExp) => memories.filter((m) => word.test(m.memory));

async function tellAboutJordan(s: MemorySession) {
  await s.recordUserTurn("Hi! My name is Jordan.");
  await s.recordCharacterTurn("Well met, Jordan. What brings you to the forge?");
  await s.recordUserTurn("I love spicy food, the hotter the better.");
  await s.recordUserTurn("I live in Denver.");
  await s.recordUserTurn("I work as a welder at the shipyard.");
  await s.recordEvent("completed the confined-space entry certification", { quest: "safety-first" });
}

describe("a first session, then the next", () => {
  it("ships the transcript at end(), and the next connect() is injected with third-person memories with sources", async () => {
    const { endUserId, characterId } = ids();
    const c = client({ endUserId, characterId, metadata: { name: "Jordan" } });
    const injected: unknown[] = [];
    c.on("memoriesInjected", (p) => injected.push(p));
    // checked after the fact: an expect() inside a listener fails nothing, the SDK catches what listeners throw
    const updated: { memories: MemoryRecord[]; read: MemoryRecord[] }[] = [];
    c.on("memoriesUpdated", (p, s) => { updated.push({ memories: p.memories, read: s.memories }); });

    const s1 = await c.connect();
    expect(s1).toMatchObject({ enabled: true, memories: [], total: 0, context: "", turnCount: 0 });
    expect(s1.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(injected).toEqual([expect.objectContaining({ sessionId: s1.id, enabled: true, memories: [] })]);

    await tellAboutJordan(s1);
    expect(s1.turnCount).toBe(6);
    const done = processed(c, () => s1.id);
    const { status } = await s1.end();
    expect(["queued", "processed"]).toContain(status);
    expect(await readKeepsakeDb()).toEqual({ sessions: [], turns: [] }); // deleted once acknowledged
    await expect(s1.recordUserTurn("one more thing")).rejects.toMatchObject({ name: "KeepsakeError", code: "E_CONFLICT" });

    // the socket stays open after end(): the extraction's results and the new memory set still arrive
    const result = await within(done, 20_000, "sessionProcessed");
    expect(result.results.length).toBeGreaterThan(0); // EXTRACTION
    await waitFor(() => s1.memories.length > 0, 10_000); // memoriesUpdated updated the ended session
    expect(updated.length).toBeGreaterThan(0);
    for (const u of updated) expect(u.read).toBe(u.memories); // the session already reads what the event carries

    const session = await restSession(s1.id);
    expect(session).toMatchObject({ sessionId: s1.id, endUserId, characterId, turns: 6 });

    const s2 = await c.connect(); // closes the ended s1
    expect(s2.id).not.toBe(s1.id);
    expect(s2.enabled).toBe(true);
    expect(s2.memories.length).toBeGreaterThan(0);
    expect(s2.total).toBeGreaterThanOrEqual(s2.memories.length);
    for (const m of s2.memories) {
      expect(m.memory).not.toMatch(/\b(I|my|me|I'm)\b/); // third person
      expect(m.scope).toEqual({ kind: "pair", endUserId, characterId });
      expect(m.sources).toEqual([expect.objectContaining({ sessionId: s1.id, seq: expect.any(Array) })]);
      for (const seq of m.sources[0]!.seq) expect(seq).toBeLessThan(6);
    }
    // EXTRACTION: the city, and the name, are remembered and in the prompt text
    expect(mentions(s2.memories, /Denver/)).not.toEqual([]);
    expect(mentions(s2.memories, /Jordan/)).not.toEqual([]);
    expect(s2.context).toMatch(/Denver/);
    if (process.env.KEEPSAKE_SHOW_MEMORIES) console.log(s2.memories.map((m) => m.memory), s2.context);

    const found = await s2.search("Denver", 5);
    expect(found.length).toBeGreaterThan(0); // EXTRACTION
    expect(found.length).toBeLessThanOrEqual(5);
    for (const m of found) expect(typeof m.score).toBe("number");
    expect(mentions(found, /Denver/)).not.toEqual([]); // EXTRACTION
    await expect(s2.search("")).rejects.toMatchObject({ code: "E_BAD_REQUEST" });
    await expect(s2.search("x".repeat(501))).rejects.toMatchObject({ code: "E_TOO_LARGE" });

    const users = await (await fetch(`${relay.url}/v1/users?limit=100`)).json();
    expect(users.users).toContainEqual(expect.objectContaining({ endUserId, metadata: { name: "Jordan" } }));
  });
});

describe("the IndexedDB buffer", () => {
  it("holds every turn before record* resolves, with dense seqs, and nothing rejected", async () => {
    const { endUserId, characterId } = ids();
    const s = await client({ endUserId, characterId }).connect();

    const t0 = await s.recordUserTurn("I live in Denver.", { location: "tavern" });
    expect(t0).toMatchObject({ seq: 0, role: "user", text: "I live in Denver.", metadata: { location: "tavern" } });
    expect(new Date(t0.at).toISOString()).toBe(t0.at);
    let db = await readKeepsakeDb();
    expect(db.turns).toEqual([{ ...t0, sessionId: s.id }]);
    expect(db.sessions).toEqual([expect.objectContaining({ sessionId: s.id, endUserId, characterId, turnCount: 1 })]);

    // not awaited one by one: seqs follow call order, and each is in IndexedDB when its promise resolves
    const texts = Array.from({ length: 10 }, (_, i) => `line ${i}`);
    const turns = await Promise.all(texts.map((t, i) => (i % 2 ? s.recordCharacterTurn(t) : s.recordEvent(t))));
    expect(turns.map((t) => t.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    db = await readKeepsakeDb();
    expect(db.turns.map((t) => [t.seq, t.text])).toEqual([[0, "I live in Denver."], ...texts.map((t, i) => [i + 1, t])]);
    expect(db.sessions[0].turnCount).toBe(11);

    const tooLong = await s.recordUserTurn("x".repeat(4001)).catch((e) => e);
    expect(tooLong).toBeInstanceOf(KeepsakeError);
    expect(tooLong.code).toBe("E_TOO_LARGE");
    await expect(s.recordUserTurn("ok", { blob: "y".repeat(2000) })).rejects.toMatchObject({ code: "E_TOO_LARGE" });
    expect((await readKeepsakeDb()).turns).toHaveLength(11); // nothing written, no seq used
    expect((await s.recordUserTurn("next")).seq).toBe(11);

    expect(await s.end()).toEqual({ status: expect.stringMatching(/^(queued|processed)$/) });
    expect(await readKeepsakeDb()).toEqual({ sessions: [], turns: [] });
    expect(await restSession(s.id)).toMatchObject({ turns: 12, turnCount: 12 });
    expect(s.end()).toBe(s.end()); // idempotent
  });

  it("ships a long transcript in several messages", async () => {
    const { endUserId, characterId } = ids();
    const s = await client({ endUserId, characterId }).connect();
    // ~4.7 MB in all: many transcript messages, by count (500) and by bytes. Character turns, so the
    // relay's extractor has little to do with them.
    const long = "The old road winds past the mill and the river. ".repeat(80); // ~3.9 KB
    await Promise.all(Array.from({ length: 1200 }, (_, i) => s.recordCharacterTurn(`${i}: ${long}`.slice(0, 4000))));
    expect(await s.end()).toEqual({ status: expect.stringMatching(/^(queued|processed)$/) });
    expect(await restSession(s.id)).toMatchObject({ turns: 1200, turnCount: 1200 });
  }, 60_000);
});

describe("the outbox", () => {
  it("ships a session whose end() never happened (a closed tab) at the next connect()", async () => {
    const { endUserId, characterId } = ids();
    const tab1 = client({ endUserId, characterId });
    const s1 = await tab1.connect();
    await s1.recordUserTurn("My name is Priya.");
    await s1.recordUserTurn("I live in Lisbon.");
    await s1.recordUserTurn("I work as a nurse.");
    tab1.close(); // the tab dies: no end()
    expect((await readKeepsakeDb()).turns).toHaveLength(3);

    const tab2 = client({ endUserId, characterId }); // the next visit: same IndexedDB
    const done = processed(tab2, () => s1.id);
    const s2 = await tab2.connect();
    // shipped before connect() resolved, then deleted locally
    expect(await readKeepsakeDb()).toEqual({ sessions: [], turns: [] });
    expect(await restSession(s1.id)).toMatchObject({ endUserId, characterId, turns: 3, turnCount: 3 });
    // EXTRACTION: its memories reach the new session
    await within(done, 20_000, "sessionProcessed");
    await waitFor(() => mentions(s2.memories, /Lisbon/).length > 0, 10_000);
    expect(mentions(s2.memories, /Lisbon/)[0]!.sources[0]!.sessionId).toBe(s1.id);
  });

  it("leaves a session of another player or character alone", async () => {
    const a = ids();
    const first = client(a);
    const s = await first.connect();
    await s.recordUserTurn("I live in Oslo.");
    first.close();
    await client({ endUserId: a.endUserId, characterId: `${a.characterId}-other` }).connect();
    await client({ endUserId: `${a.endUserId}-other`, characterId: a.characterId }).connect();
    expect((await readKeepsakeDb()).sessions.map((r) => r.sessionId)).toEqual([s.id]);
  });

  it("does not ship a session that is still recording in the same client", async () => {
    const { endUserId, characterId } = ids();
    const c = client({ endUserId, characterId });
    const live = await c.connect();
    await live.recordUserTurn("I live in Quito.");
    await c.connect();
    expect((await readKeepsakeDb()).sessions.map((r) => r.sessionId)).toEqual([live.id]);
    expect(await restSession(live.id)).toBeNull();
    await live.recordUserTurn("still talking");
    expect((await live.end()).status).toMatch(/^(queued|processed)$/);
  });

  it("relay down at end(): rejects, keeps the turns, and the next connect() after a restart ships them", async () => {
    const { endUserId, characterId } = ids();
    const never = { baseMs: 3_600_000, maxMs: 3_600_000 }; // no background retry within this test: connect() ships
    const c = client({ endUserId, characterId, retry: never });
    const disconnected: string[] = [];
    c.on("disconnected", (reason) => disconnected.push(reason));
    const s = await c.connect();
    await s.recordUserTurn("My name is Mateo.");
    await s.recordUserTurn("I live in Denver.");
    await relay.stop();
    await waitFor(() => disconnected.length > 0, 5000);

    const err = await s.end().catch((e) => e);
    expect(err).toBeInstanceOf(KeepsakeError);
    expect(["E_NETWORK", "E_TIMEOUT"]).toContain(err.code);
    expect(err.message).toMatch(/the transcript is kept in IndexedDB and will be shipped when the relay is reachable/);
    await expect(s.recordUserTurn("after end")).rejects.toBeInstanceOf(KeepsakeError);
    const db = await readKeepsakeDb();
    expect(db.turns.map((t) => t.text)).toEqual(["My name is Mateo.", "I live in Denver."]);
    expect(db.sessions).toEqual([expect.objectContaining({ sessionId: s.id, turnCount: 2, endedAt: expect.any(String) })]);

    // while the relay is down, connect() fails and the session stays
    await expect(client({ endUserId, characterId, retry: never }).connect()).rejects.toMatchObject({ code: "E_NETWORK" });
    expect((await readKeepsakeDb()).turns).toHaveLength(2);

    relay = await relay.restart();
    const next = client({ endUserId, characterId });
    const done = processed(next, () => s.id);
    const shipped: string[] = [];
    next.on("sessionShipped", (p) => shipped.push(p.sessionId));
    const s2 = await next.connect();
    expect(shipped).toEqual([s.id]);
    expect(await readKeepsakeDb()).toEqual({ sessions: [], turns: [] });
    expect(await restSession(s.id)).toMatchObject({ turns: 2, turnCount: 2 });
    await within(done, 20_000, "sessionProcessed");
    await waitFor(() => mentions(s2.memories, /Denver/).length > 0, 10_000); // EXTRACTION
  }, 90_000);

  it("relay down at end(): the background retry ships it once the relay is back, without a new connect()", async () => {
    const { endUserId, characterId } = ids();
    const c = client({ endUserId, characterId, retry: { baseMs: 200, maxMs: 1000 } });
    const shipped: { sessionId: string; status: string }[] = [];
    c.on("sessionShipped", (p) => shipped.push(p));
    const errors: KeepsakeError[] = [];
    c.on("error", (e) => errors.push(e));
    const s = await c.connect();
    await s.recordUserTurn("My name is Ines.");
    await s.recordUserTurn("I live in Porto.");
    await relay.stop();
    const err = await s.end().catch((e) => e);
    expect(err.message).toMatch(/kept in IndexedDB .* retried in the background while this page is open/);
    await new Promise((r) => setTimeout(r, 1500)); // a few attempts against the stopped relay
    expect(shipped).toEqual([]);
    expect(errors).toEqual([]); // a relay that is down is retried silently: end() already said so

    relay = await relay.restart();
    await waitFor(() => shipped.length > 0, 15_000);
    expect(shipped).toEqual([{ sessionId: s.id, status: expect.stringMatching(/^(queued|processed)$/) }]);
    expect(await readKeepsakeDb()).toEqual({ sessions: [], turns: [] });
    expect(await restSession(s.id)).toMatchObject({ turns: 2, turnCount: 2 });
    await waitFor(async () => (await restSession(s.id))?.status === "processed", 15_000);

    // the next connect() finds nothing left to ship, and is injected with what the session taught
    const s2 = await c.connect();
    expect(shipped).toHaveLength(1);
    expect(mentions(s2.memories, /Porto/)).not.toEqual([]); // EXTRACTION
  }, 60_000);

  it("without IndexedDB, a failed end() is kept in memory and the background retry ships it", async () => {
    const { endUserId, characterId } = ids();
    delete (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    const c = client({ endUserId, characterId, retry: { baseMs: 200, maxMs: 1000 } });
    const warnings: string[] = [];
    c.on("warning", (m) => warnings.push(m));
    const shipped: string[] = [];
    c.on("sessionShipped", (p) => shipped.push(p.sessionId));
    const s = await c.connect();
    expect(warnings).toEqual([expect.stringMatching(/IndexedDB is unavailable/)]);
    for (let i = 0; i < 3; i++) await s.recordUserTurn(`line ${i}`);
    await relay.stop();
    const err = await s.end().catch((e) => e);
    expect(err.message).toMatch(/kept in memory and will be shipped when the relay is reachable/);
    relay = await relay.restart();
    await waitFor(() => shipped.length > 0, 15_000);
    expect(shipped).toEqual([s.id]);
    expect(await restSession(s.id)).toMatchObject({ turns: 3, turnCount: 3 });
  }, 60_000);

  it("a live session reconnects by itself after the relay restarts", async () => {
    const { endUserId, characterId } = ids();
    const c = client({ endUserId, characterId });
    let injections = 0;
    c.on("memoriesInjected", () => injections++);
    const s = await c.connect();
    await s.recordUserTurn("I keep bees.");
    await relay.stop();
    relay = await relay.restart();
    await waitFor(() => injections === 2, 15_000); // the relay injects again on reconnection
    await s.recordUserTurn("Three hives now.");
    expect((await s.end()).status).toMatch(/^(queued|processed)$/);
    expect(await restSession(s.id)).toMatchObject({ turns: 2 });
  }, 60_000);
});

describe("shared memory stores", () => {
  it("passes memoryStores in the handshake: what one player's session teaches, another player of the store is injected", async () => {
    const { endUserId, characterId } = ids();
    const store = `guild-${characterId}`;
    const alice = client({ endUserId, characterId, memoryStores: [store] });
    const s = await alice.connect();
    await s.recordUserTurn("Our guild hall is in Denver.");
    await s.recordUserTurn("My name is Alice.");
    const done = processed(alice, () => s.id);
    await s.end();
    expect(await restSession(s.id)).toMatchObject({ memoryStores: [store] });
    await within(done, 20_000, "sessionProcessed");
    const bob = await client({ endUserId: `${endUserId}-bob`, characterId, memoryStores: [store] }).connect();
    expect(bob.memories.length).toBeGreaterThan(0); // EXTRACTION
    for (const m of bob.memories) expect(m.scope).toEqual({ kind: "store", store });
    const loner = await client({ endUserId: `${endUserId}-carol`, characterId }).connect();
    expect(loner.memories).toEqual([]);
  });
});

describe("memory off", () => {
  it("with settings.isEnabled false: no connection, nothing in IndexedDB, nothing shipped", async () => {
    const { endUserId, characterId } = ids();
    const c = client({ endUserId, characterId, settings: { isEnabled: false } });
    const s = await c.connect();
    expect(s).toMatchObject({ enabled: false, memories: [], total: 0, context: "" });
    await s.recordUserTurn("My name is Ada.");
    await s.recordCharacterTurn("Hello.");
    await s.recordEvent("opened the gate");
    expect(await s.search("Ada")).toEqual([]);
    expect(await s.end()).toEqual({ status: "disabled" });
    expect(await readKeepsakeDb()).toEqual({ sessions: [], turns: [] });
    expect(await restSession(s.id)).toBeNull();
    const users = await (await fetch(`${relay.url}/v1/users?limit=100`)).json();
    expect(users.users.map((u: { endUserId: string }) => u.endUserId)).not.toContain(endUserId);

    // the choice can change between sessions
    c.settings.isEnabled = true;
    expect((await c.connect()).enabled).toBe(true);
  });

  it("with memory switched off for the character on the relay: enabled false, nothing buffered", async () => {
    const { endUserId, characterId } = ids();
    const put = await fetch(`${relay.url}/v1/characters/${characterId}/settings`, {
      method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ memoryEnabled: false }),
    });
    expect(put.ok).toBe(true);
    const s = await client({ endUserId, characterId }).connect();
    expect(s.enabled).toBe(false);
    await s.recordUserTurn("I live in Denver.");
    expect(await readKeepsakeDb()).toEqual({ sessions: [], turns: [] });
    expect(await s.end()).toEqual({ status: "disabled" });
  });
});

describe("events and errors", () => {
  it("on() returns a working unsubscribe", async () => {
    const { endUserId, characterId } = ids();
    const c = client({ endUserId, characterId });
    const a: string[] = [];
    const b: string[] = [];
    const offA = c.on("memoriesInjected", (p) => a.push(p.sessionId));
    c.on("memoriesInjected", (p) => b.push(p.sessionId));
    c.on("memoriesInjected", () => { throw new Error("a buggy listener"); });
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const s1 = await c.connect();
    offA();
    offA();
    const s2 = await c.connect();
    expect(a).toEqual([s1.id]);
    expect(b).toEqual([s1.id, s2.id]); // the throwing listener did not stop the others, nor connect()
    expect(logged).toHaveBeenCalledTimes(2);
    logged.mockRestore();
  });

  it("the default identity is a 32-hex device id, stable across sessions", async () => {
    const { characterId } = ids();
    const s1 = await client({ characterId }).connect();
    await s1.recordUserTurn("hello");
    await s1.end();
    const s2 = await client({ characterId }).connect();
    await s2.recordUserTurn("hello again");
    await s2.end();
    const [a, b] = [await restSession(s1.id), await restSession(s2.id)];
    expect(a.endUserId).toMatch(/^[0-9a-f]{32}$/);
    expect(b.endUserId).toBe(a.endUserId);
    expect(localStorage.getItem("keepsake.endUserId")).toBe(a.endUserId);
  });

  it("a handshake the relay refuses (a player's 9th connection at once) rejects connect() with the relay's code", async () => {
    const { endUserId, characterId } = ids();
    const open: KeepsakeClient[] = [];
    for (let i = 0; i < LIMITS.socketsPerEndUser; i++) {
      const c = client({ endUserId, characterId });
      await c.connect();
      open.push(c);
    }
    const err = await client({ endUserId, characterId }).connect().catch((e) => e);
    expect(err).toBeInstanceOf(KeepsakeError);
    expect(err.code).toBe("E_RATE_LIMITED");
    // a slot freed is a connection possible again
    open[0].close();
    await waitFor(async () => (await client({ endUserId, characterId }).connect().then(() => true, () => false)), 5000, 100);
  });

  it("an invalid characterId is refused with E_BAD_REQUEST", async () => {
    const err = await client({ characterId: "no spaces allowed" }).connect().catch((e) => e);
    expect(err).toBeInstanceOf(KeepsakeError);
    expect(err.code).toBe("E_BAD_REQUEST");
  });
});

describe("token mode", () => {
  let tokenRelay: Relay;
  beforeAll(async () => { tokenRelay = await startTokenRelay(); });
  afterAll(async () => { await tokenRelay?.stop(); });
  const at = (endUserId: string, characterId: string, opts: Partial<KeepsakeClientOptions>) =>
    client({ endUserId, characterId, ...opts }, tokenRelay.url);
  /** What a game backend would mint for the player: this character, valid for `seconds`. */
  const mint = (endUserId: string, characterId: string, seconds = 300) => hs256({ sub: endUserId, chr: [characterId], exp: inSeconds(seconds) });
  const turnsHeld = async (sessionId: string) => {
    const r = await rest(tokenRelay.url, "GET", `/v1/sessions/${sessionId}`, undefined, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    return r.status === 200 ? (r.body.turns as number) : 0;
  };

  it("a handshake refused by the relay rejects connect() with its code; the `token` option still works", async () => {
    const { endUserId, characterId } = ids();
    const missing = await at(endUserId, characterId, {}).connect().catch((e) => e);
    expect(missing).toBeInstanceOf(KeepsakeError);
    expect(missing.code).toBe("E_UNAUTHORIZED");
    await expect(at(endUserId, characterId, { token: "not-a-token" }).connect()).rejects.toMatchObject({ code: "E_UNAUTHORIZED" });
    const s = await at(endUserId, characterId, { token: () => mint(endUserId, characterId) }).connect();
    expect(s.enabled).toBe(true);
  });

  it("tokenProvider is asked with the end-user id at connect, and the session ships under its token", async () => {
    const { endUserId, characterId } = ids();
    const tokenProvider = vi.fn((id: string) => mint(id, characterId));
    const c = at(endUserId, characterId, { tokenProvider, token: "ignored-when-a-provider-is-given" });
    const s = await c.connect();
    expect(tokenProvider).toHaveBeenCalledTimes(1);
    expect(tokenProvider).toHaveBeenCalledWith(endUserId);
    await s.recordUserTurn("I live in Hobart.");
    expect((await s.end()).status).toMatch(/queued|processed/);
    expect(await turnsHeld(s.id)).toBe(1);
  });

  it("an expired token is asked for again once: a provider with a fresh one connects, one without rejects E_UNAUTHORIZED", async () => {
    const { endUserId, characterId } = ids();
    const expired = () => mint(endUserId, characterId, -3600);
    // a provider whose cache held an expired token: the relay says so, the SDK asks again
    const stale = vi.fn().mockImplementationOnce(expired).mockImplementation(() => mint(endUserId, characterId));
    const s = await at(endUserId, characterId, { tokenProvider: stale }).connect();
    expect(s.enabled).toBe(true);
    expect(stale).toHaveBeenCalledTimes(2);

    const alwaysExpired = vi.fn(expired);
    const err = await at(endUserId, characterId, { tokenProvider: alwaysExpired }).connect().catch((e) => e);
    expect(err).toBeInstanceOf(KeepsakeError);
    expect(err.code).toBe("E_UNAUTHORIZED");
    expect(err.message).toMatch(/token expired/);
    expect(alwaysExpired).toHaveBeenCalledTimes(2);

    // only expiry is worth another token: a token for another player is refused at once
    const wrong = vi.fn(() => mint("someone-else", characterId));
    await expect(at(endUserId, characterId, { tokenProvider: wrong }).connect()).rejects.toMatchObject({ code: "E_FORBIDDEN" });
    expect(wrong).toHaveBeenCalledTimes(1);
  });

  describe("page-hide", () => {
    // a window for the SDK's pagehide listener (Node has none)
    const page = new EventTarget();
    const g = globalThis as any;
    beforeAll(() => {
      g.addEventListener = page.addEventListener.bind(page);
      g.removeEventListener = page.removeEventListener.bind(page);
    });
    afterAll(() => { delete g.addEventListener; delete g.removeEventListener; });

    it("carries the session's token: the relay takes the turns", async () => {
      const { endUserId, characterId } = ids();
      const s = await at(endUserId, characterId, { tokenProvider: (id) => mint(id, characterId) }).connect();
      await s.recordUserTurn("I keep bees.");
      await s.recordUserTurn("I live by the sea.");
      page.dispatchEvent(new Event("pagehide"));
      await waitFor(async () => (await turnsHeld(s.id)) === 2);
    });

    it("refused for an expired token, it asks the provider for a fresh one and sends again", async () => {
      const { endUserId, characterId } = ids();
      // valid at the handshake (within the relay's clock tolerance) for a few seconds more, then expired
      const exp = inSeconds(-(CLOCK_TOLERANCE_S - 4));
      const tokenProvider = vi.fn()
        .mockImplementationOnce(() => hs256({ sub: endUserId, chr: [characterId], exp }))
        .mockImplementation(() => mint(endUserId, characterId));
      const s = await at(endUserId, characterId, { tokenProvider }).connect();
      await s.recordUserTurn("I keep bees.");
      await waitFor(() => Date.now() / 1000 > exp + CLOCK_TOLERANCE_S + 1, 15_000, 100);
      page.dispatchEvent(new Event("pagehide"));
      await waitFor(async () => (await turnsHeld(s.id)) === 1);
      expect(tokenProvider).toHaveBeenCalledTimes(2);
    });
  });
});

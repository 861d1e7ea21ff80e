// The IndexedDB transcript buffer, the identity providers and the client-side checks: no relay needed.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { identityKey, IdbBuffer, MemoryBuffer, openBuffer, type TranscriptBuffer } from "../../sdk/src/buffer.ts";
import {
  DEVICE_ID_STORAGE_KEY, DeviceEndUserIdProvider, KeepsakeClient, KeepsakeError, LIMITS, StaticEndUserIdProvider,
  type Turn,
} from "../../sdk/src/index.ts";
import { chunks, keepaliveBody } from "../../sdk/src/session.ts";
import { IDBDatabase } from "fake-indexeddb";
import { freshBrowser, MemoryStorage, readKeepsakeDb } from "./helpers.ts";

const turn = (seq: number, text = `turn ${seq}`): Turn => ({ seq, role: seq % 2 ? "character" : "user", text, at: new Date(Date.UTC(2025, 0, 1, 0, 0, seq)).toISOString() });
const session = (sessionId: string, endUserId = "u1", characterId = "c1", memoryStores?: string[]) =>
  ({ sessionId, endUserId, characterId, memoryStores, startedAt: new Date().toISOString() });

beforeEach(() => freshBrowser());

describe.each([
  ["IdbBuffer", () => new IdbBuffer() as TranscriptBuffer],
  ["MemoryBuffer", () => new MemoryBuffer() as TranscriptBuffer],
])("%s", (_name, make) => {
  it("puts turns, bumps turnCount and reads them back in seq order, in ranges", async () => {
    const b = make();
    for (const seq of [2, 0, 1, 4, 3]) await b.putTurn(session("s1"), turn(seq));
    await b.putTurn(session("s2"), turn(0));
    const [row] = await b.pending(identityKey("u1", "c1"));
    expect(row).toMatchObject({ sessionId: "s1", endUserId: "u1", characterId: "c1", turnCount: 5 });
    expect((await b.readTurns("s1", 0, 100)).map((t) => t.seq)).toEqual([0, 1, 2, 3, 4]);
    expect((await b.readTurns("s1", 1, 2)).map((t) => t.seq)).toEqual([1, 2]);
    expect((await b.readTurns("s1", 5, 2))).toEqual([]);
    expect(await b.readTurns("s1", 3, 1)).toEqual([turn(3)]); // no sessionId leaks into the Turn
    expect((await b.getTurns("s1", [4, 0, 4, 9])).map((t) => t.seq)).toEqual([0, 4]);
    b.close();
  });

  it("lists pending sessions per identity, oldest first", async () => {
    const b = make();
    await b.putTurn({ ...session("late"), startedAt: "2025-01-02T00:00:00.000Z" }, turn(0));
    await b.putTurn({ ...session("early"), startedAt: "2025-01-01T00:00:00.000Z" }, turn(0));
    await b.putTurn(session("other-user", "u2"), turn(0));
    await b.putTurn(session("other-char", "u1", "c2"), turn(0));
    await b.putTurn(session("shared", "u1", "c1", ["guild"]), turn(0));
    expect((await b.pending(identityKey("u1", "c1"))).map((r) => r.sessionId)).toEqual(["early", "late"]);
    expect((await b.pending(identityKey("u1", "c1", ["guild"]))).map((r) => r.sessionId)).toEqual(["shared"]);
    expect(await b.pending(identityKey("u3", "c1"))).toEqual([]);
    b.close();
  });

  it("marks a session ended and deletes a session with all its turns", async () => {
    const b = make();
    for (let seq = 0; seq < 3; seq++) await b.putTurn(session("s1"), turn(seq));
    await b.putTurn(session("s2"), turn(0));
    await b.markEnded("s1", "2025-01-01T10:00:00.000Z");
    await b.markEnded("s1", "2025-01-01T11:00:00.000Z"); // the first end time stays
    expect((await b.pending(identityKey("u1", "c1"))).find((r) => r.sessionId === "s1")?.endedAt).toBe("2025-01-01T10:00:00.000Z");
    await b.deleteSession("s1");
    expect((await b.pending(identityKey("u1", "c1"))).map((r) => r.sessionId)).toEqual(["s2"]);
    expect(await b.readTurns("s1", 0, 10)).toEqual([]);
    expect(await b.readTurns("s2", 0, 10)).toEqual([turn(0)]);
    b.close();
  });
});

describe("IndexedDB layout", () => {
  it("is database keepsake with stores sessions and turns keyed [sessionId, seq]", async () => {
    const b = new IdbBuffer();
    await b.putTurn(session("s1"), turn(0));
    b.close();
    const { sessions, turns } = await readKeepsakeDb();
    expect(sessions).toEqual([expect.objectContaining({ sessionId: "s1", endUserId: "u1", characterId: "c1", turnCount: 1 })]);
    expect(turns).toEqual([{ ...turn(0), sessionId: "s1" }]);
  });

  it("survives a new connection (a reload of the page)", async () => {
    const a = new IdbBuffer();
    await a.putTurn(session("s1"), turn(0));
    a.close();
    const b = new IdbBuffer();
    expect(await b.readTurns("s1", 0, 10)).toEqual([turn(0)]);
    b.close();
  });
});

describe("openBuffer", () => {
  it("opens IndexedDB when it is there", async () => {
    const b = await openBuffer({ onWarning: () => { throw new Error("no warning expected"); } });
    expect(b.persistent).toBe(true);
    b.close();
  });

  it("falls back to memory with a warning when IndexedDB is missing", async () => {
    const saved = globalThis.indexedDB;
    // @ts-expect-error simulating a browser without IndexedDB
    delete globalThis.indexedDB;
    try {
      const warnings: string[] = [];
      const b = await openBuffer({ onWarning: (m) => warnings.push(m) });
      expect(b.persistent).toBe(false);
      expect(warnings).toEqual([expect.stringMatching(/IndexedDB is unavailable/)]);
    } finally {
      globalThis.indexedDB = saved;
    }
  });

  it("falls back to memory with a warning when IndexedDB refuses to open", async () => {
    const open = vi.spyOn(globalThis.indexedDB, "open").mockImplementation(() => { throw new DOMException("denied", "InvalidStateError"); });
    try {
      const warnings: string[] = [];
      const b = await openBuffer({ onWarning: (m) => warnings.push(m) });
      expect(b.persistent).toBe(false);
      expect(warnings[0]).toMatch(/could not be opened \(InvalidStateError: denied\)/);
    } finally {
      open.mockRestore();
    }
  });
});

describe("chunks", () => {
  it("keeps at most LIMITS.turnsPerMessage turns per message", () => {
    const turns = Array.from({ length: 1201 }, (_, i) => turn(i));
    expect(chunks(turns).map((c) => c.length)).toEqual([500, 500, 201]);
    expect(chunks([])).toEqual([]);
  });

  it("keeps every message well under LIMITS.payloadBytes", () => {
    const long = "é\"".repeat(LIMITS.turnTextChars / 2); // 2- and escaped characters: 6 KB of JSON text per turn
    const turns = Array.from({ length: 400 }, (_, i) => ({ ...turn(i, long), metadata: { pad: "x".repeat(900) } }));
    const out = chunks(turns);
    expect(out.flat()).toEqual(turns);
    for (const c of out) expect(new TextEncoder().encode(JSON.stringify({ sessionId: "x", turns: c })).length).toBeLessThan(LIMITS.payloadBytes / 2);
    expect(out.length).toBeGreaterThan(1);
  });
});

describe("keepaliveBody (the page-hide request)", () => {
  const head = { endUserId: "u1", characterId: "c1" };
  const bytes = (s: string) => new TextEncoder().encode(s).length;

  it("takes the oldest unsent turns that fit the budget, exactly", () => {
    const turns = Array.from({ length: 300 }, (_, i) => turn(i, `${"é".repeat(300)} ${i}`)); // ~650 bytes each
    const part = keepaliveBody(head, turns, 0, LIMITS.keepaliveBytes)!;
    expect(bytes(part.body)).toBe(part.bytes);
    expect(part.bytes).toBeLessThanOrEqual(LIMITS.keepaliveBytes);
    const body = JSON.parse(part.body);
    expect(body).toMatchObject(head);
    expect(body.turns.map((t: Turn) => t.seq)).toEqual(Array.from({ length: part.count }, (_, i) => i));
    // one more turn would not have fit
    expect(bytes(JSON.stringify({ ...head, turns: turns.slice(0, part.count + 1) }))).toBeGreaterThan(LIMITS.keepaliveBytes);
    // the next hide goes on from there
    const next = keepaliveBody(head, turns, part.count, LIMITS.keepaliveBytes)!;
    expect(JSON.parse(next.body).turns[0].seq).toBe(part.count);
  });

  it("sends at most LIMITS.turnsPerMessage turns, nothing when nothing fits or nothing is left", () => {
    const turns = Array.from({ length: 900 }, (_, i) => turn(i, "k"));
    expect(keepaliveBody(head, turns, 0, 10 ** 6)!.count).toBe(LIMITS.turnsPerMessage);
    expect(keepaliveBody(head, turns, 0, 60)).toBeUndefined();
    expect(keepaliveBody(head, turns, 900, LIMITS.keepaliveBytes)).toBeUndefined();
    expect(JSON.parse(keepaliveBody({ ...head, memoryStores: ["guild"], token: "t" }, turns, 0, 2000)!.body)).toMatchObject({ memoryStores: ["guild"], token: "t" });
  });
});

describe("IdbBuffer writes", () => {
  it("a burst of turns is written in a few transactions, each turn once", async () => {
    const transaction = vi.spyOn(IDBDatabase.prototype, "transaction");
    const b = new IdbBuffer();
    await Promise.all(Array.from({ length: 1200 }, (_, i) => b.putTurn(session("s1"), turn(i))));
    const writes = transaction.mock.calls.filter((c) => c[1] === "readwrite").length;
    expect(writes).toBeGreaterThanOrEqual(3); // at most 500 turns a transaction
    expect(writes).toBeLessThanOrEqual(5);
    expect((await b.readTurns("s1", 0, 2000)).map((t) => t.seq)).toEqual(Array.from({ length: 1200 }, (_, i) => i));
    expect((await b.pending(identityKey("u1", "c1")))[0]!.turnCount).toBe(1200);
    transaction.mockRestore();
    b.close();
  });

  it("a failed commit rejects the turns of its batch, and the next batch is written", async () => {
    const b = new IdbBuffer();
    await b.putTurn(session("s1"), turn(0));
    const put = vi.spyOn(IDBObjectStore.prototype, "put").mockImplementationOnce(() => { throw new DOMException("disk full", "QuotaExceededError"); });
    await expect(b.putTurn(session("s1"), turn(1))).rejects.toMatchObject({ name: "QuotaExceededError" });
    put.mockRestore();
    await b.putTurn(session("s1"), turn(2));
    expect((await b.readTurns("s1", 0, 10)).map((t) => t.seq)).toEqual([0, 2]);
    b.close();
  });
});

describe("identity", () => {
  it("DeviceEndUserIdProvider makes a 32-hex id, stable across providers (sessions) via localStorage", () => {
    const id = new DeviceEndUserIdProvider().getEndUserId();
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(localStorage.getItem(DEVICE_ID_STORAGE_KEY)).toBe(id);
    expect(new DeviceEndUserIdProvider().getEndUserId()).toBe(id);
    (globalThis as { localStorage?: Storage }).localStorage = new MemoryStorage(); // another browser profile
    expect(new DeviceEndUserIdProvider().getEndUserId()).not.toBe(id);
  });

  it("replaces a stored value that is not a device id", () => {
    localStorage.setItem(DEVICE_ID_STORAGE_KEY, "not an id");
    expect(new DeviceEndUserIdProvider().getEndUserId()).toMatch(/^[0-9a-f]{32}$/);
  });

  it("without localStorage, keeps an in-memory id for the page and warns once", () => {
    delete (globalThis as { localStorage?: Storage }).localStorage;
    const warnings: string[] = [];
    const a = new DeviceEndUserIdProvider({ storageKey: "test.nostorage", onWarning: (m) => warnings.push(m) });
    const id = a.getEndUserId();
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(a.getEndUserId()).toBe(id);
    expect(new DeviceEndUserIdProvider({ storageKey: "test.nostorage", onWarning: (m) => warnings.push(m) }).getEndUserId()).toBe(id);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/localStorage is unavailable/);
  });

  it("when localStorage throws (blocked storage), falls back the same way", () => {
    const throwing = new MemoryStorage();
    throwing.getItem = () => { throw new DOMException("blocked", "SecurityError"); };
    (globalThis as { localStorage?: Storage }).localStorage = throwing;
    const warnings: string[] = [];
    expect(new DeviceEndUserIdProvider({ storageKey: "test.throwing", onWarning: (m) => warnings.push(m) }).getEndUserId()).toMatch(/^[0-9a-f]{32}$/);
    expect(warnings).toHaveLength(1);
  });

  it("StaticEndUserIdProvider returns its id", () => {
    expect(new StaticEndUserIdProvider("player-42").getEndUserId()).toBe("player-42");
  });
});

describe("client-side checks (no relay)", () => {
  const offline = (options: Partial<ConstructorParameters<typeof KeepsakeClient>[0]> = {}) =>
    new KeepsakeClient({ relayUrl: "http://127.0.0.1:9", characterId: "c1", identity: new StaticEndUserIdProvider("u1"), ...options });

  it("rejects an invalid characterId before any network with E_BAD_REQUEST", async () => {
    const err = await offline({ characterId: "not valid!" }).connect().catch((e) => e);
    expect(err).toBeInstanceOf(KeepsakeError);
    expect(err.code).toBe("E_BAD_REQUEST");
    expect(err.message).toMatch(/characterId/);
  });

  it("rejects end-user metadata over 4 KB with E_BAD_REQUEST, as the relay refuses such a handshake", async () => {
    const err = await offline({ metadata: { name: "x".repeat(5000) } }).connect().catch((e) => e);
    expect(err).toMatchObject({ name: "KeepsakeError", code: "E_BAD_REQUEST" });
    expect(err.message).toMatch(/metadata/);
  });

  it("a failing identity provider rejects connect() with a KeepsakeError", async () => {
    const err = await offline({ identity: { getEndUserId: async () => { throw new Error("not logged in"); } } }).connect().catch((e) => e);
    expect(err).toBeInstanceOf(KeepsakeError);
    expect(err.message).toMatch(/not logged in/);
  });

  it("an unreachable relay rejects connect() with E_NETWORK", async () => {
    const err = await offline({ timeoutMs: 5000 }).connect().catch((e) => e);
    expect(err).toMatchObject({ name: "KeepsakeError", code: "E_NETWORK" });
  });

  it("with isEnabled false, connects nowhere, buffers nothing and still checks turns", async () => {
    const identity = { getEndUserId: vi.fn(() => "u1") };
    const client = offline({ settings: { isEnabled: false }, identity });
    const s = await client.connect();
    expect(identity.getEndUserId).not.toHaveBeenCalled();
    expect(s).toMatchObject({ enabled: false, memories: [], context: "", total: 0 });
    expect(s.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await s.recordUserTurn("My name is Jordan.")).toMatchObject({ seq: 0, role: "user", text: "My name is Jordan." });
    expect(await s.recordEvent("won the race", { track: "north" })).toMatchObject({ seq: 1, role: "event", metadata: { track: "north" } });
    await expect(s.recordUserTurn("x".repeat(LIMITS.turnTextChars + 1))).rejects.toMatchObject({ code: "E_TOO_LARGE" });
    await expect(s.recordUserTurn("")).rejects.toMatchObject({ code: "E_BAD_REQUEST" });
    await expect(s.recordUserTurn("ok", { blob: "y".repeat(2000) })).rejects.toMatchObject({ code: "E_TOO_LARGE" });
    await expect(s.recordUserTurn(42 as unknown as string)).rejects.toMatchObject({ code: "E_BAD_REQUEST" });
    expect(s.turnCount).toBe(2);
    expect(await s.search("name")).toEqual([]);
    expect(await s.end()).toEqual({ status: "disabled" });
    await expect(s.recordUserTurn("late")).rejects.toBeInstanceOf(KeepsakeError);
    expect(await readKeepsakeDb()).toEqual({ sessions: [], turns: [] });
  });

  it("a session holds at most LIMITS.turnsPerSession turns", async () => {
    const s = await offline({ settings: { isEnabled: false } }).connect();
    for (let i = 0; i < LIMITS.turnsPerSession; i++) await s.recordEvent("tick");
    const err = await s.recordEvent("one too many").catch((e) => e);
    expect(err).toMatchObject({ name: "KeepsakeError", code: "E_TOO_LARGE" });
    expect(err.message).toMatch(/at most 10000 turns/);
  });

  it("on() returns a working unsubscribe, and a throwing listener breaks nothing", async () => {
    delete (globalThis as { localStorage?: Storage }).localStorage;
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const client = new KeepsakeClient({ relayUrl: "http://127.0.0.1:9", characterId: "c1", timeoutMs: 5000 });
    const seen: string[] = [];
    client.on("warning", () => { throw new Error("listener bug"); });
    client.on("warning", (m) => seen.push(m));
    const off = client.on("warning", (m) => seen.push(`unsubscribed: ${m}`));
    off();
    off(); // twice is harmless
    const err = await client.connect().catch((e) => e);
    expect(err).toMatchObject({ code: "E_NETWORK" }); // the SDK carried on past the throwing listener
    expect(seen).toEqual([expect.stringMatching(/localStorage is unavailable/)]);
    expect(errors).toHaveBeenCalledWith(expect.stringMatching(/"warning" listener threw/), expect.any(Error));
    errors.mockRestore();
  });
});

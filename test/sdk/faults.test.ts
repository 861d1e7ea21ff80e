// The SDK in Node against the real relay, under faults: a huge session, IndexedDB failing mid-session
// (another tab's blocked version upgrade), two clients sharing one IndexedDB outbox, a relay that
// rate-limits. (fake-indexeddb gives real IndexedDB semantics; Node has no Web Locks, so the SDK's
// in-page fallback guards the outbox.) The same faults in a real browser, a full quota among them,
// are in browser-faults.test.ts.
import { Socket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { IdbBuffer } from "../../sdk/src/buffer.ts";
import { LIMITS } from "../../sdk/src/index.ts";
import { type Relay, startRelay, waitFor } from "../helpers/relay.ts";
import { sessionOrNull as restSession } from "../helpers/wire.ts";
import { readKeepsakeDb, relayClients } from "./helpers.ts";

let relay: Relay;
beforeAll(async () => { relay = await startRelay(); });
afterAll(async () => { await relay?.stop(); });
const { ids, client } = relayClients("fault", () => relay.url);
afterEach(() => vi.restoreAllMocks());
/** Every event the SDK emits on any socket, with its payload. */
function spyEmits() {
  const emits: { event: string; payload: any; bytes: number }[] = [];
  const original = Socket.prototype.emit;
  vi.spyOn(Socket.prototype, "emit").mockImplementation(function (this: Socket, event: string, ...args: any[]) {
    if (event === "transcript" || event === "session:end") {
      emits.push({ event, payload: args[0], bytes: new TextEncoder().encode(JSON.stringify(args[0])).length });
    }
    return original.call(this, event, ...args);
  } as any);
  return emits;
}
/** ~400 characters of text that differ per turn. */
const line = (i: number) => `${i}: ${"The caravan rolled past the salt flats while the guide named every dune. ".repeat(6)}`.slice(0, 400);

describe("a 5,000-turn session (about 2 MB)", () => {
  it("ships in chunks within the message limits and arrives whole", async () => {
    const { endUserId, characterId } = ids();
    const s = await client({ endUserId, characterId }).connect();
    const emits = spyEmits();
    // not awaited one by one: the buffer writes a burst in a few transactions
    await Promise.all(Array.from({ length: 5000 }, (_, i) => (i % 2 ? s.recordCharacterTurn(line(i)) : s.recordUserTurn(line(i)))));
    const db = await readKeepsakeDb();
    expect(db.turns).toHaveLength(5000);
    expect(db.sessions[0].turnCount).toBe(5000);

    expect((await s.end()).status).toMatch(/^(queued|processed)$/);
    const transcripts = emits.filter((e) => e.event === "transcript" && e.payload.sessionId === s.id);
    expect(transcripts.length).toBeGreaterThanOrEqual(10);
    for (const t of transcripts) {
      expect(t.payload.turns.length).toBeLessThanOrEqual(LIMITS.turnsPerMessage);
      expect(t.bytes).toBeLessThan(LIMITS.payloadBytes / 2);
    }
    const seqs = transcripts.flatMap((t) => t.payload.turns.map((x: { seq: number }) => x.seq));
    expect(seqs).toEqual(Array.from({ length: 5000 }, (_, i) => i)); // each turn once, in order
    expect(emits.filter((e) => e.event === "session:end")).toEqual([expect.objectContaining({ payload: expect.objectContaining({ turnCount: 5000 }) })]);
    expect(await readKeepsakeDb()).toEqual({ sessions: [], turns: [] });
    await waitFor(async () => (await restSession(relay.url, s.id))?.status === "processed", 30_000);
    expect(await restSession(relay.url, s.id)).toMatchObject({ turns: 5000, turnCount: 5000, status: "processed" });
  }, 60_000);
});

describe("IndexedDB failing mid-session", () => {
  it("another tab's version upgrade, blocked by an old tab: warns once, keeps recording in memory, and end() ships every turn", async () => {
    const { endUserId, characterId } = ids();
    const c = client({ endUserId, characterId });
    const warnings: string[] = [];
    c.on("warning", (m) => warnings.push(m));
    const s = await c.connect();
    const writes = vi.spyOn(IdbBuffer.prototype, "putTurn"); // counted only: every write is real
    const turns = [await s.recordUserTurn("turn 0"), await s.recordUserTurn("turn 1")];

    // an old build holds the database at version 1 and ignores `versionchange`; a newer one asks for
    // version 2: the SDK closes its connection for the upgrade, and its reopening waits behind it
    const old = await new Promise<IDBDatabase>((res, rej) => { const q = indexedDB.open("keepsake", 1); q.onsuccess = () => res(q.result); q.onerror = () => rej(q.error); });
    const upgrade = indexedDB.open("keepsake", 2);
    await new Promise((res) => { upgrade.onblocked = res; });
    for (let i = 2; i < 6; i++) turns.push(await s.recordUserTurn(`turn ${i}`));
    expect(turns.map((t) => t.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(warnings).toEqual([expect.stringMatching(/did not store turn 2 .*another tab may be blocking a version upgrade.*memory only/)]);
    expect(writes).toHaveBeenCalledTimes(3); // after the failure the session stops trying IndexedDB

    // the old tab goes away and the upgrade is called off: version 1 is usable again
    const called = new Promise((res) => { upgrade.onupgradeneeded = () => upgrade.transaction!.abort(); upgrade.onerror = res; });
    old.close();
    await called;
    expect((await readKeepsakeDb()).turns).toHaveLength(2);
    expect((await s.end()).status).toMatch(/^(queued|processed)$/);
    expect(await restSession(relay.url, s.id)).toMatchObject({ turns: 6, turnCount: 6 });
    // deleted once shipped (not awaited by end() for a session IndexedDB failed)
    await waitFor(async () => (await readKeepsakeDb()).sessions.length === 0, 5000);
    expect(await readKeepsakeDb()).toEqual({ sessions: [], turns: [] });
  });
});

describe("two clients sharing one IndexedDB outbox", () => {
  it("each pending session is shipped exactly once, whole", async () => {
    const { endUserId, characterId } = ids();
    // four sessions left behind without end(), as by four closed tabs
    const tabs = [0, 1, 2, 3].map(() => client({ endUserId, characterId }));
    const left = await Promise.all(tabs.map((t) => t.connect()));
    await Promise.all(left.map(async (s, i) => {
      for (let k = 0; k < 3; k++) await s.recordUserTurn(`session ${i} line ${k}`);
    }));
    for (const t of tabs) t.close();
    expect((await readKeepsakeDb()).sessions).toHaveLength(4);

    const emits = spyEmits();
    const [b, c] = [client({ endUserId, characterId }), client({ endUserId, characterId })];
    const shipped: string[] = [];
    for (const x of [b, c]) x.on("sessionShipped", (p) => shipped.push(p.sessionId));
    await Promise.all([b.connect(), c.connect()]);
    expect(shipped.sort()).toEqual(left.map((s) => s.id).sort());
    for (const s of left) {
      expect(emits.filter((e) => e.event === "session:end" && e.payload.sessionId === s.id)).toHaveLength(1);
      expect(await restSession(relay.url, s.id)).toMatchObject({ turns: 3, turnCount: 3 });
    }
    expect(await readKeepsakeDb()).toEqual({ sessions: [], turns: [] });
  });
});

describe("a relay that rate-limits", () => {
  it("end() waits out E_RATE_LIMITED and ships", async () => {
    const slow = await startRelay({ env: { KEEPSAKE_EVENTS_PER_SECOND: "1" } }); // bursts of 3 events, then 1 a second
    try {
      const { endUserId, characterId } = ids();
      const s = await client({ endUserId, characterId }, slow.url).connect();
      await Promise.all(Array.from({ length: 1600 }, (_, i) => s.recordEvent(`tick ${i}`))); // 4 transcript messages and the end
      expect((await s.end()).status).toMatch(/^(queued|processed)$/);
      expect(await restSession(slow.url, s.id)).toMatchObject({ turns: 1600, turnCount: 1600 });
    } finally {
      await slow.kill(); // no need to wait for its extraction of 1,600 events
    }
  }, 60_000);
});

// A player who never comes back on that device is still remembered: the relay ends a session whose
// client is gone after KEEPSAKE_SESSION_IDLE_MS without deliveries, and extracts the turns it holds.
// A session whose own socket is still connected is never ended that way. And delivery is idempotent
// on (sessionId, seq) whichever path arrives first: the socket's `transcript` or the page-hide POST.
import { afterAll, beforeAll, describe, it } from "vitest";
import { MemoryRecord, type Turn } from "../../sdk/src/protocol.ts";
import { startRelay, type Relay } from "../helpers/relay.ts";
import {
  authFor, connectClient, emit, getSession, listAll, newPair, pairPath, rest, ship, sleep, turn, turns, uid, waitForStatus, type Pair,
} from "../helpers/wire.ts";

const IDLE_MS = 1_500;
let relay: Relay;
/** the same relay without KEEPSAKE_SESSION_IDLE_MS: the default, ten minutes */
let plain: Relay;
beforeAll(async () => {
  [relay, plain] = await Promise.all([startRelay({ env: { KEEPSAKE_SESSION_IDLE_MS: String(IDLE_MS) } }), startRelay()]);
});
afterAll(async () => { await Promise.all([relay?.stop(), plain?.stop()]); });

const SCRIPT = turns("My name is Harper.", ["character", "Welcome, Harper."], "I live in Reykjavik.", "I work as a glassblower.", "I love chess.");
const FACTS = [/Harper/, /Reykjavik/, /glassblower/i, /chess/i];

const hide = (url: string, pair: Pair, sessionId: string, list: Turn[]) =>
  rest(url, "POST", `/v1/sessions/${sessionId}/transcript`, { ...pair, turns: list });

/** Ships `list` over a socket that then goes away; returns when it left. */
async function shipAndLeave(url: string, pair: Pair, sessionId: string, list: Turn[]): Promise<number> {
  await ship(url, pair, sessionId, list);
  return Date.now();
}

describe.concurrent("idle finalization (KEEPSAKE_SESSION_IDLE_MS=1500)", () => {
  it("turns shipped over a socket, the socket gone, no end: processed after the idle time, remembered at the next connect", async ({ expect }) => {
    const pair = newPair("idle");
    const sessionId = uid("s-idle");
    const left = await shipAndLeave(relay.url, pair, sessionId, SCRIPT);
    expect((await getSession(relay.url, sessionId)).body.status).toBe("open");
    const view = await waitForStatus(relay.url, sessionId, ["processed"], 10_000);
    expect(Date.now() - left, "not ended before the idle time").toBeGreaterThanOrEqual(IDLE_MS - 100);
    expect(view).toMatchObject({ sessionId, endUserId: pair.endUserId, characterId: pair.characterId, status: "processed", turns: SCRIPT.length, turnCount: SCRIPT.length });

    const memories = await listAll(relay.url, pair);
    for (const m of memories) MemoryRecord.parse(m);
    const text = memories.map((m) => m.memory).join("\n");
    for (const word of FACTS) expect(text).toMatch(word);
    expect(memories.every((m) => m.sources.some((s) => s.sessionId === sessionId))).toBe(true);
    expect(memories.map((m) => m.id).sort()).toEqual(view.results.filter((r: any) => r.event === "add").map((r: any) => r.id).sort());

    const next = await connectClient(relay.url, authFor(pair));
    try {
      expect(next.memories.memories.map((m: any) => m.id).sort()).toEqual(memories.map((m) => m.id).sort());
      expect(next.memories.context).toMatch(/Reykjavik/);
    } finally { next.close(); }
  });

  it("turns only ever delivered by the page-hide POST are finalized too", async ({ expect }) => {
    const pair = newPair("idle-hide");
    const sessionId = uid("s-idle-hide");
    const r = await hide(relay.url, pair, sessionId, SCRIPT);
    expect(r.status, r.text).toBe(200);
    expect(r.body.received).toBe(SCRIPT.length);
    const view = await waitForStatus(relay.url, sessionId, ["processed"], 10_000);
    expect(view).toMatchObject({ status: "processed", turns: SCRIPT.length });
    const text = (await listAll(relay.url, pair)).map((m) => m.memory).join("\n");
    for (const word of FACTS) expect(text).toMatch(word);
  });

  it("an incomplete session (ended with a turn missing) whose client never came back is extracted with the turns it holds", async ({ expect }) => {
    const pair = newPair("idle-gap");
    const sessionId = uid("s-idle-gap");
    const c = await connectClient(relay.url, authFor(pair, sessionId));
    try {
      expect(await emit(c.socket, "transcript", { sessionId, turns: [SCRIPT[0], SCRIPT[1], SCRIPT[3], SCRIPT[4]] })).toEqual({ ok: true, received: 4 });
      expect(await emit(c.socket, "session:end", { sessionId, turnCount: SCRIPT.length })).toEqual({ ok: true, status: "incomplete", missing: [2] });
    } finally { c.close(); }
    const view = await waitForStatus(relay.url, sessionId, ["processed"], 10_000);
    expect(view.turns).toBe(4);
    const text = (await listAll(relay.url, pair)).map((m) => m.memory).join("\n");
    for (const word of [/Harper/, /glassblower/i, /chess/i]) expect(text).toMatch(word);
    expect(text).not.toMatch(/Reykjavik/);
  });

  it("a page-hide delivery after the socket left restarts the idle clock, and its turns are extracted with the rest", async ({ expect }) => {
    const pair = newPair("idle-late");
    const sessionId = uid("s-idle-late");
    await shipAndLeave(relay.url, pair, sessionId, SCRIPT.slice(0, 3));
    await sleep(IDLE_MS * 0.6);
    const r = await hide(relay.url, pair, sessionId, SCRIPT);
    expect(r.body?.received, r.text).toBe(SCRIPT.length);
    const delivered = Date.now();
    const view = await waitForStatus(relay.url, sessionId, ["processed"], 10_000);
    expect(Date.now() - delivered, "idle counts from the last delivery").toBeGreaterThanOrEqual(IDLE_MS - 100);
    expect(view.turns).toBe(SCRIPT.length);
    const text = (await listAll(relay.url, pair)).map((m) => m.memory).join("\n");
    for (const word of FACTS) expect(text).toMatch(word);
  });

  it("a session whose own socket stays connected is not finalized; a session that socket shipped from its outbox is, and the socket hears of it", async ({ expect }) => {
    const pair = newPair("idle-live");
    const liveId = uid("s-live");
    const outboxId = uid("s-outbox");
    const goneId = uid("s-gone");
    const live = await connectClient(relay.url, authFor(pair, liveId));
    try {
      expect(await emit(live.socket, "transcript", { sessionId: liveId, turns: turns("I have a parrot named Kiwi.") })).toEqual({ ok: true, received: 1 });
      // an earlier session of this device, shipped but not ended by this socket
      expect(await emit(live.socket, "transcript", { sessionId: outboxId, turns: turns("I collect vinyl records.") })).toEqual({ ok: true, received: 1 });
      // and another tab of the same player that closed
      await shipAndLeave(relay.url, pair, goneId, turns("I grew up in Porto."));

      await waitForStatus(relay.url, outboxId, ["processed"], 10_000);
      await waitForStatus(relay.url, goneId, ["processed"], 10_000);
      await sleep(IDLE_MS);
      expect((await getSession(relay.url, liveId)).body).toMatchObject({ status: "open", turns: 1 });

      // the connected socket reads the pair's memories: it heard of both
      for (const id of [outboxId, goneId]) await live.next("session:processed", (p) => p.sessionId === id, 5_000);
      const updated = await live.next("memories:updated", (p) => p.memories.some((m: any) => /Porto/.test(m.memory)) && p.memories.some((m: any) => /vinyl/.test(m.memory)), 5_000);
      expect(updated.context).toMatch(/Porto/);

      // the live session still works and ends when its player ends it
      expect(await emit(live.socket, "transcript", { sessionId: liveId, turns: [turn(1, "user", "I work as a baker.")] })).toEqual({ ok: true, received: 2 });
      expect(await emit(live.socket, "session:end", { sessionId: liveId, turnCount: 2 })).toEqual({ ok: true, status: "queued" });
    } finally { live.close(); }
    await waitForStatus(relay.url, liveId);
    expect((await listAll(relay.url, pair)).map((m) => m.memory).join("\n")).toMatch(/Kiwi/);
  });

  it("by default (10 minutes) a session whose client left a few seconds ago stays open", async ({ expect }) => {
    const pair = newPair("idle-default");
    const sessionId = uid("s-idle-default");
    await shipAndLeave(plain.url, pair, sessionId, SCRIPT);
    await sleep(IDLE_MS * 2.5);
    expect((await getSession(plain.url, sessionId)).body).toMatchObject({ status: "open", turns: SCRIPT.length });
    expect(await listAll(plain.url, pair)).toEqual([]);
  });

  it("a player who comes back after the finalization with the same transcript changes nothing: acked, processed, nothing twice", async ({ expect }) => {
    const pair = newPair("idle-back");
    const sessionId = uid("s-idle-back");
    await shipAndLeave(relay.url, pair, sessionId, SCRIPT);
    const view = await waitForStatus(relay.url, sessionId, ["processed"], 10_000);
    const before = await listAll(relay.url, pair);
    // the device's outbox ships the whole session again and ends it
    const c = await connectClient(relay.url, authFor(pair));
    try {
      expect(await emit(c.socket, "transcript", { sessionId, turns: SCRIPT })).toEqual({ ok: true, received: SCRIPT.length });
      expect(await emit(c.socket, "session:end", { sessionId, turnCount: SCRIPT.length })).toEqual({ ok: true, status: "processed" });
    } finally { c.close(); }
    await sleep(500);
    expect(await listAll(relay.url, pair)).toEqual(before);
    expect((await getSession(relay.url, sessionId)).body).toMatchObject({ status: "processed", results: view.results });
    for (const m of before) {
      const h = await rest(relay.url, "GET", `/v1/memories/${m.id}/history`);
      expect(h.body.history.filter((e: any) => e.event === "add")).toHaveLength(1);
    }
  });

  it("a player back while the relay is still extracting their idle-ended session: the new turn is accepted, and remembered", async ({ expect }) => {
    const pair = newPair("idle-race");
    const sessionId = uid("s-idle-race");
    // long turns, so that the extraction the relay starts on its own takes a while
    const prose = "We walked along the river and talked about the weather, the bridge, the market, the price of bread and a song my neighbour hums. ";
    const long = [...SCRIPT, ...Array.from({ length: 14 }, (_, i) => turn(SCRIPT.length + i, "user", prose.repeat(40).slice(0, 4000)))];
    await shipAndLeave(relay.url, pair, sessionId, long);
    await waitForStatus(relay.url, sessionId, ["queued", "processed"], 10_000);
    const c = await connectClient(relay.url, authFor(pair, sessionId));
    try {
      const seenBefore = (await getSession(relay.url, sessionId)).body.status;
      const ack = await emit(c.socket, "transcript", { sessionId, turns: [turn(long.length, "user", "I also play the cello.")] });
      expect(ack, `status when the turn was sent: ${seenBefore}`).toEqual({ ok: true, received: long.length + 1 });
      expect((await emit(c.socket, "session:end", { sessionId, turnCount: long.length + 1 })).ok).toBe(true);
    } finally { c.close(); }
    const view = await waitForStatus(relay.url, sessionId, ["processed"], 10_000);
    expect(view.turns).toBe(long.length + 1);
    expect((await listAll(relay.url, pair)).map((m) => m.memory).join("\n")).toMatch(/cello/);
  });

  it("a memory the player had deleted is not brought back when their idle-ended session takes more turns", async ({ expect }) => {
    const pair = newPair("idle-forget");
    const sessionId = uid("s-idle-forget");
    await shipAndLeave(relay.url, pair, sessionId, SCRIPT);
    await waitForStatus(relay.url, sessionId, ["processed"], 10_000);
    const city = (await listAll(relay.url, pair)).find((m) => /Reykjavik/.test(m.memory));
    expect(city).toBeDefined();
    // "forget where I live"
    expect((await rest(relay.url, "DELETE", `${pairPath(pair)}/${city!.id}`)).status).toBe(200);

    // the player was only away: the same session goes on with one more line, and ends
    const c = await connectClient(relay.url, authFor(pair, sessionId));
    try {
      expect(await emit(c.socket, "transcript", { sessionId, turns: [...SCRIPT, turn(SCRIPT.length, "user", "I also play the cello.")] })).toEqual({ ok: true, received: SCRIPT.length + 1 });
      expect((await emit(c.socket, "session:end", { sessionId, turnCount: SCRIPT.length + 1 })).ok).toBe(true);
    } finally { c.close(); }
    const view = await waitForStatus(relay.url, sessionId, ["processed"], 10_000);
    const after = await listAll(relay.url, pair);
    expect(after.map((m) => m.memory).join("\n")).toMatch(/cello/);
    expect(after.filter((m) => /Reykjavik/.test(m.memory)), `results of the second extraction: ${JSON.stringify(view.results)}`).toEqual([]);
  });
});

// on the relay with the default idle time, so that no session here is ended by the relay mid-test
describe.concurrent("one delivery, whichever path arrives first", () => {
  /** A session shipped by `deliver`, then ended; returns its sorted memory texts after processing. */
  async function run(expect: any, tag: string, deliver: (pair: Pair, sessionId: string) => Promise<void>): Promise<string[]> {
    const pair = newPair(tag);
    const sessionId = uid(`s-${tag}`);
    await deliver(pair, sessionId);
    expect((await getSession(plain.url, sessionId)).body.turns, tag).toBe(SCRIPT.length);
    const c = await connectClient(plain.url, authFor(pair));
    try {
      expect(await emit(c.socket, "session:end", { sessionId, turnCount: SCRIPT.length })).toEqual({ ok: true, status: "queued" });
    } finally { c.close(); }
    const view = await waitForStatus(plain.url, sessionId, ["processed"], 10_000);
    expect(view.turns).toBe(SCRIPT.length);
    const memories = await listAll(plain.url, pair);
    for (const m of memories) {
      const h = await rest(plain.url, "GET", `/v1/memories/${m.id}/history`);
      expect(h.body.history.filter((e: any) => e.event === "add"), m.memory).toHaveLength(1);
    }
    return memories.map((m) => m.memory.replace(/\s+/g, " ")).sort();
  }

  it("REST then socket, socket then REST, both at once: the same turns count once and extract the same memories", async ({ expect }) => {
    const [socketOnly, restFirst, socketFirst, together] = await Promise.all([
      run(expect, "path-socket", async (pair, sessionId) => {
        const c = await connectClient(plain.url, authFor(pair, sessionId));
        try { expect(await emit(c.socket, "transcript", { sessionId, turns: SCRIPT })).toEqual({ ok: true, received: SCRIPT.length }); } finally { c.close(); }
      }),
      run(expect, "path-rest-first", async (pair, sessionId) => {
        const r = await hide(plain.url, pair, sessionId, SCRIPT.slice(0, 3));
        expect(r.body?.received, r.text).toBe(3);
        const c = await connectClient(plain.url, authFor(pair, sessionId));
        try { expect(await emit(c.socket, "transcript", { sessionId, turns: SCRIPT })).toEqual({ ok: true, received: SCRIPT.length }); } finally { c.close(); }
        expect((await hide(plain.url, pair, sessionId, SCRIPT)).body?.received).toBe(SCRIPT.length);
      }),
      run(expect, "path-socket-first", async (pair, sessionId) => {
        const c = await connectClient(plain.url, authFor(pair, sessionId));
        try { expect(await emit(c.socket, "transcript", { sessionId, turns: SCRIPT.slice(1) })).toEqual({ ok: true, received: SCRIPT.length - 1 }); } finally { c.close(); }
        const r = await hide(plain.url, pair, sessionId, SCRIPT);
        expect(r.body?.received, r.text).toBe(SCRIPT.length);
      }),
      run(expect, "path-together", async (pair, sessionId) => {
        const c = await connectClient(plain.url, authFor(pair, sessionId));
        try {
          const [viaSocket, viaRest] = await Promise.all([
            emit(c.socket, "transcript", { sessionId, turns: SCRIPT }),
            hide(plain.url, pair, sessionId, SCRIPT),
            hide(plain.url, pair, sessionId, [...SCRIPT].reverse()),
          ]);
          expect(viaSocket.ok, JSON.stringify(viaSocket)).toBe(true);
          expect(viaRest.status, viaRest.text).toBe(200);
        } finally { c.close(); }
      }),
    ]);
    expect(socketOnly.length).toBeGreaterThanOrEqual(FACTS.length);
    expect(restFirst).toEqual(socketOnly);
    expect(socketFirst).toEqual(socketOnly);
    expect(together).toEqual(socketOnly);
  });

  it("the same seq with other text is E_CONFLICT on either path, whichever came first, and changes nothing", async ({ expect }) => {
    const pair = newPair("path-conflict");
    const a = uid("s-conflict-a");
    const b = uid("s-conflict-b");
    const c = await connectClient(plain.url, authFor(pair, a));
    try {
      expect(await emit(c.socket, "transcript", { sessionId: a, turns: SCRIPT.slice(0, 2) })).toEqual({ ok: true, received: 2 });
      const viaRest = await hide(plain.url, pair, a, [{ ...SCRIPT[0], text: "My name is Blake." }]);
      expect(viaRest.status, viaRest.text).toBe(409);
      expect(viaRest.body.code).toBe("E_CONFLICT");

      expect((await hide(plain.url, pair, b, SCRIPT.slice(0, 2))).body?.received).toBe(2);
      const viaSocket = await emit(c.socket, "transcript", { sessionId: b, turns: [{ ...SCRIPT[1], role: "user" }] });
      expect(viaSocket).toMatchObject({ ok: false, error: { code: "E_CONFLICT" } });
    } finally { c.close(); }
    for (const id of [a, b]) {
      const r = await rest(plain.url, "GET", `/v1/users/${pair.endUserId}/export`);
      const s = r.body.sessions.find((x: any) => x.sessionId === id);
      expect(s.transcript.map((t: Turn) => [t.seq, t.role, t.text])).toEqual(SCRIPT.slice(0, 2).map((t) => [t.seq, t.role, t.text]));
    }
  });
});

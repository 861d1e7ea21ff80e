// The relay killed (SIGKILL) at several moments between `transcript` and `processed`, then restarted
// on the same data folder: nothing acknowledged is lost and each session is extracted exactly once,
// compared with a crash-free run of the same transcript on a separate relay. Then jobs that cannot
// finish: one whose stored turn is corrupt, and one that takes the relay down every time it runs;
// both are retried a bounded number of times and parked with their error visible, never dropped.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryRecord, type Turn } from "../../sdk/src/protocol.ts";
import { startRelay, type Relay } from "../helpers/relay.ts";
import { sqlite } from "../helpers/sqlite.ts";
import {
  authFor, connectClient, emit, getSession, isError, listAll, newPair, rest, ship, sleep, turn, turns, uid, waitFor, waitForStatus,
  type Pair,
} from "../helpers/wire.ts";

const PROSE = "We walked along the river this morning and talked about the weather, the old bridge, the market stalls, "
  + "the price of bread, a song my neighbour keeps humming, the trains that run late on Sundays and the boats on the water. ";

/** A session with facts to remember and long user turns, so that its extraction takes a while. */
const SCRIPT: Turn[] = [
  ...turns(
    "My name is Sasha.",
    ["character", "Hi Sasha, welcome to the inn."],
    "I live in Montreal.",
    "I work as a firefighter.",
    "I love hiking.",
    ["event", "completed the confined-space entry certification"],
  ),
  ...Array.from({ length: 14 }, (_, i) => turn(6 + i, "user", `${i}: ${PROSE.repeat(20)}`.slice(0, 4000))),
];
const N = SCRIPT.length;

/** The relay currently serving the data folder; tests replace it as they crash and restart it. */
let relay: Relay;
/** Sorted memory texts of a crash-free run of SCRIPT for a fresh pair. */
let baseline: string[];

beforeAll(async () => {
  const clean = await startRelay();
  try {
    [relay, baseline] = await Promise.all([
      startRelay(),
      (async () => {
        const pair = newPair("base");
        const sessionId = uid("s-base");
        const c = await connectClient(clean.url, authFor(pair, sessionId));
        try {
          expect(await emit(c.socket, "transcript", { sessionId, turns: SCRIPT })).toEqual({ ok: true, received: N });
          expect((await emit(c.socket, "session:end", { sessionId, turnCount: N })).ok).toBe(true);
        } finally { c.close(); }
        await waitForStatus(clean.url, sessionId);
        return (await listAll(clean.url, pair)).map((m) => m.memory).sort();
      })(),
    ]);
  } finally { await clean.kill(); }
  // the comparison means something only if the session is remembered at all
  expect(baseline.length).toBeGreaterThanOrEqual(4);
  for (const word of [/Sasha/, /Montreal/, /firefighter/i, /hiking/i]) expect(baseline.join("\n")).toMatch(word);
});
afterAll(async () => { await relay?.kill(); });

/** SIGKILL, then a new relay process on the same data folder, port and environment. */
async function crashAndRestart(): Promise<void> {
  await relay.kill();
  relay = await relay.restart();
}

const brief = (list: MemoryRecord[]) => [...list].sort((a, b) => a.id.localeCompare(b.id)).map((m) => ({ id: m.id, memory: m.memory, updatedAt: m.updatedAt }));

/**
 * The session ended processed exactly once: every turn held, the memories are what a crash-free
 * run stores (same count, same texts), each with exactly one "add" in its history, from this
 * session; the recorded results' adds are exactly the stored memories.
 */
async function expectProcessedOnce(pair: Pair, sessionId: string): Promise<{ view: any; memories: MemoryRecord[] }> {
  const view = await waitForStatus(relay.url, sessionId);
  expect(view).toMatchObject({ sessionId, endUserId: pair.endUserId, characterId: pair.characterId, status: "processed", turns: N, turnCount: N });
  const memories = await listAll(relay.url, pair);
  for (const m of memories) MemoryRecord.parse(m);
  expect(memories.map((m) => m.memory).sort(), "the memories of a crash-free run of the same transcript").toEqual(baseline);
  expect(memories.map((m) => m.id).sort()).toEqual(view.results.filter((r: any) => r.event === "add").map((r: any) => r.id).sort());
  for (const m of memories) {
    const h = await rest(relay.url, "GET", `/v1/memories/${m.id}/history`);
    expect(h.status, h.text).toBe(200);
    const adds = h.body.history.filter((e: any) => e.event === "add");
    expect(adds, `history of "${m.memory}": ${h.text}`).toHaveLength(1);
    expect(adds[0].sessionId).toBe(sessionId);
    expect(h.body.history.filter((e: any) => e.event !== "add"), `history of "${m.memory}"`).toEqual([]);
  }
  return { view, memories };
}

/** Ending the session again (a retrying client) answers processed and changes nothing. */
async function expectReEndChangesNothing(pair: Pair, sessionId: string): Promise<void> {
  const before = brief(await listAll(relay.url, pair));
  const view = (await getSession(relay.url, sessionId)).body;
  const c = await connectClient(relay.url, authFor(pair));
  try {
    const mark = c.events.length;
    expect(await emit(c.socket, "transcript", { sessionId, turns: SCRIPT })).toEqual({ ok: true, received: N });
    expect(await emit(c.socket, "session:end", { sessionId, turnCount: N })).toEqual({ ok: true, status: "processed" });
    await sleep(400);
    for (const e of c.events.slice(mark).filter((e) => e.event === "session:processed")) expect(e.payload.results).toEqual(view.results);
  } finally { c.close(); }
  expect(brief(await listAll(relay.url, pair))).toEqual(before);
  expect((await getSession(relay.url, sessionId)).body).toEqual(view);
}

describe("SIGKILL between transcript and processed", () => {
  it("killed between transcript acks: every acknowledged turn is held, the message in flight is all or nothing", async () => {
    const pair = newPair("kill-acks");
    const sessionId = uid("s-kill-acks");
    const c = await connectClient(relay.url, authFor(pair, sessionId));
    let inFlight: Promise<any> | undefined;
    try {
      expect(await emit(c.socket, "transcript", { sessionId, turns: SCRIPT.slice(0, 4) })).toEqual({ ok: true, received: 4 });
      expect(await emit(c.socket, "transcript", { sessionId, turns: SCRIPT.slice(4, 9) })).toEqual({ ok: true, received: 9 });
      inFlight = c.socket.timeout(3_000).emitWithAck("transcript", { sessionId, turns: SCRIPT.slice(9, 15) }).catch(() => "no ack");
      await relay.kill();
    } finally { c.close(); }
    const lastAck = await inFlight;
    relay = await relay.restart();

    const view = (await getSession(relay.url, sessionId)).body;
    expect(view).toMatchObject({ sessionId, status: "open", endUserId: pair.endUserId, characterId: pair.characterId });
    if (lastAck?.ok === true) expect(view.turns, `the third message was acked: ${JSON.stringify(lastAck)}`).toBe(15);
    else expect([9, 15], "the message in flight is stored whole or not at all").toContain(view.turns);

    // the client's outbox ships everything again and ends the session
    const again = await connectClient(relay.url, authFor(pair));
    try {
      expect(await emit(again.socket, "transcript", { sessionId, turns: SCRIPT })).toEqual({ ok: true, received: N });
      expect(["queued", "processed"]).toContain((await emit(again.socket, "session:end", { sessionId, turnCount: N })).status);
    } finally { again.close(); }
    await expectProcessedOnce(pair, sessionId);
    await expectReEndChangesNothing(pair, sessionId);
  });

  it("killed right after the session:end queued ack: processed after the restart, once", async () => {
    const pair = newPair("kill-queued");
    const sessionId = uid("s-kill-queued");
    const c = await connectClient(relay.url, authFor(pair, sessionId));
    try {
      expect(await emit(c.socket, "transcript", { sessionId, turns: SCRIPT })).toEqual({ ok: true, received: N });
      expect(await emit(c.socket, "session:end", { sessionId, turnCount: N })).toEqual({ ok: true, status: "queued" });
      await relay.kill();
    } finally { c.close(); }
    relay = await relay.restart();
    const { view } = await expectProcessedOnce(pair, sessionId);
    expect(view.attempts).toBeLessThanOrEqual(2);
    await expectReEndChangesNothing(pair, sessionId);
  });

  it("killed during extraction, with two more sessions queued behind it: all three processed, each once", async () => {
    const pairs = [newPair("kill-mid"), newPair("kill-mid-2"), newPair("kill-mid-3")];
    const ids = pairs.map(() => uid("s-kill-mid"));
    await Promise.all(pairs.map((p, i) => ship(relay.url, p, ids[i], SCRIPT)));
    // the others are connected first, so that their ends follow the first's at once
    const others = await Promise.all(pairs.slice(1).map((p, i) => connectClient(relay.url, authFor(p, ids[i + 1]))));
    const c = await connectClient(relay.url, authFor(pairs[0], ids[0]));
    try {
      expect(await emit(c.socket, "session:end", { sessionId: ids[0], turnCount: N })).toMatchObject({ ok: true, status: "queued" });
      // the first job is claimed (one attempt counted) and its extraction is running: watched from its end on
      const running = waitFor(async () => {
        const v = (await getSession(relay.url, ids[0])).body;
        return v.status === "queued" && v.attempts >= 1 ? v : undefined;
      }, 10_000, 5);
      for (const [i, k] of others.entries()) expect((await emit(k.socket, "session:end", { sessionId: ids[i + 1], turnCount: N })).ok).toBe(true);
      const seen = await running;
      await relay.kill();
      expect(seen.attempts).toBe(1);
    } finally { c.close(); for (const k of others) k.close(); }

    relay = await relay.restart();
    const first = await expectProcessedOnce(pairs[0], ids[0]);
    expect(first.view.attempts, "the attempt the crash cut short is counted, and one more finished it").toBe(2);
    for (const [i, p] of pairs.entries()) if (i > 0) await expectProcessedOnce(p, ids[i]);
    await expectReEndChangesNothing(pairs[0], ids[0]);
  });

  it("killed right after session:processed: the restart keeps exactly what was reported", async () => {
    const pair = newPair("kill-done");
    const sessionId = uid("s-kill-done");
    const c = await connectClient(relay.url, authFor(pair, sessionId));
    let processed: any;
    try {
      expect(await emit(c.socket, "transcript", { sessionId, turns: SCRIPT })).toEqual({ ok: true, received: N });
      const mark = c.events.length;
      expect((await emit(c.socket, "session:end", { sessionId, turnCount: N })).ok).toBe(true);
      processed = await c.next("session:processed", (p) => p.sessionId === sessionId, 15_000, mark);
      await relay.kill();
    } finally { c.close(); }
    relay = await relay.restart();
    const { view, memories } = await expectProcessedOnce(pair, sessionId);
    expect(view.results).toEqual(processed.results);
    expect(view.attempts).toBe(1);
    // the player's next connect is injected with them
    const next = await connectClient(relay.url, authFor(pair));
    try {
      expect(next.memories.memories.map((m: any) => m.id).sort()).toEqual(memories.map((m) => m.id).sort());
    } finally { next.close(); }
    await expectReEndChangesNothing(pair, sessionId);
  });

  it("a job that takes the relay down every time it runs is tried 3 times, then parked with its error visible", async () => {
    const pair = newPair("kill-loop");
    const sessionId = uid("s-kill-loop");
    const bystander = newPair("kill-loop-ok");
    const bystanderId = uid("s-kill-loop-ok");
    await ship(relay.url, pair, sessionId, SCRIPT);
    const c = await connectClient(relay.url, authFor(pair, sessionId));
    try {
      expect((await emit(c.socket, "session:end", { sessionId, turnCount: N })).ok).toBe(true);
    } finally { c.close(); }
    for (let attempt = 1; attempt <= 3; attempt++) {
      await waitFor(async () => {
        const v = (await getSession(relay.url, sessionId)).body;
        return v.status === "queued" && v.attempts === attempt;
      }, 10_000, 5);
      await crashAndRestart();
    }
    // three attempts died with the process: no fourth
    const parked = await waitForStatus(relay.url, sessionId, ["failed", "processed"], 10_000);
    expect(parked, JSON.stringify(parked)).toMatchObject({ status: "failed", attempts: 3, turns: N, turnCount: N });
    expect(typeof parked.error).toBe("string");
    expect(parked.error.length).toBeGreaterThan(0);
    expect(await listAll(relay.url, pair)).toEqual([]);
    const k = await connectClient(relay.url, authFor(pair));
    try {
      const end = await emit(k.socket, "session:end", { sessionId, turnCount: N });
      expect(isError(end, "E_INTERNAL"), JSON.stringify(end)).toBe(true);
    } finally { k.close(); }
    // the queue still works for everyone else
    await ship(relay.url, bystander, bystanderId, SCRIPT.slice(0, 6));
    const b = await connectClient(relay.url, authFor(bystander, bystanderId));
    try { expect((await emit(b.socket, "session:end", { sessionId: bystanderId, turnCount: 6 })).ok).toBe(true); } finally { b.close(); }
    await waitForStatus(relay.url, bystanderId);
    expect((await getSession(relay.url, sessionId)).body).toMatchObject({ status: "failed", attempts: 3 });
  });
});

describe("a corrupted job", () => {
  const RETRY_MS = 300;
  const bad = newPair("corrupt");
  const badId = uid("s-corrupt");
  const good = newPair("corrupt-ok");
  const goodId = uid("s-corrupt-ok");
  const short = SCRIPT.slice(0, 6);
  let failedView: any;

  it("a stored turn that no longer parses: retried with backoff, parked after 3 attempts with its error, transcript kept", async () => {
    await ship(relay.url, bad, badId, short);
    await ship(relay.url, good, goodId, short);
    await relay.stop();
    // half a JSON document where the turn's metadata should be: what a torn write or a bad migration leaves
    const [changed] = sqlite(relay.dataDir, [{ sql: "update turns set metadata = ? where session_id = ? and seq = 2", params: ['{"mood": "cheer', badId] }]);
    expect(changed.changes).toBe(1);
    relay = await startRelay({ dataDir: relay.dataDir, env: { KEEPSAKE_JOB_RETRY_MS: String(RETRY_MS) } });

    const c = await connectClient(relay.url, authFor(bad, badId));
    let t0: number;
    try {
      t0 = Date.now();
      expect(await emit(c.socket, "session:end", { sessionId: badId, turnCount: short.length })).toMatchObject({ ok: true, status: "queued" });
    } finally { c.close(); }
    const g = await connectClient(relay.url, authFor(good, goodId));
    try {
      expect((await emit(g.socket, "session:end", { sessionId: goodId, turnCount: short.length })).ok).toBe(true);
    } finally { g.close(); }

    // watch the attempts go by: between them the session is still queued, with the last error
    const seen = new Set<number>();
    failedView = await waitFor(async () => {
      const v = (await getSession(relay.url, badId)).body;
      if (v.status === "queued" && v.attempts >= 1) seen.add(v.attempts);
      return v.status === "failed" || v.status === "processed" ? v : undefined;
    }, 15_000, 20);
    const took = Date.now() - t0!;
    expect(failedView, JSON.stringify(failedView)).toMatchObject({
      sessionId: badId, endUserId: bad.endUserId, characterId: bad.characterId, status: "failed", attempts: 3, turns: short.length, turnCount: short.length,
    });
    expect(typeof failedView.error).toBe("string");
    expect(failedView.error.length).toBeGreaterThan(0);
    expect([...seen].every((a) => a >= 1 && a <= 3)).toBe(true);
    // at least the 600 ms wait before the third attempt is seen (on a loaded machine a poll may miss the 300 ms one)
    expect(seen.size, `attempts seen while queued: ${[...seen]}`).toBeGreaterThanOrEqual(1);
    // retried after 300 ms, then 600 ms: not at once
    expect(took, "three attempts with backoff between them").toBeGreaterThanOrEqual(0.9 * (RETRY_MS + 2 * RETRY_MS));
    // nothing half-applied
    expect(await listAll(relay.url, bad)).toEqual([]);
    // the other session was processed normally
    await waitForStatus(relay.url, goodId);
    expect((await listAll(relay.url, good)).map((m) => m.memory).join("\n")).toMatch(/Montreal/);
  });

  it("ending it again answers E_INTERNAL with the error and starts no new attempt; it stays parked across a restart", async () => {
    expect(failedView?.status, "needs the previous test").toBe("failed");
    const c = await connectClient(relay.url, authFor(bad));
    try {
      const end = await emit(c.socket, "session:end", { sessionId: badId, turnCount: short.length });
      expect(isError(end, "E_INTERNAL"), JSON.stringify(end)).toBe(true);
      expect(end.error.message).toContain(failedView.error);
      // the outbox resending the same turns is still acknowledged: they are held
      expect(await emit(c.socket, "transcript", { sessionId: badId, turns: short })).toEqual({ ok: true, received: short.length });
    } finally { c.close(); }
    await sleep(3 * RETRY_MS);
    expect((await getSession(relay.url, badId)).body).toMatchObject({ status: "failed", attempts: 3, error: failedView.error, turns: short.length });

    await crashAndRestart(); // with the same KEEPSAKE_JOB_RETRY_MS
    await sleep(3 * RETRY_MS);
    expect((await getSession(relay.url, badId)).body).toMatchObject({ status: "failed", attempts: 3, error: failedView.error, turns: short.length });
    expect(await listAll(relay.url, bad)).toEqual([]);
  });
});

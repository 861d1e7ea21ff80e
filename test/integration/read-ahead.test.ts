// Reading ahead, against the real relay process: the built-in extractor starts reading a session as
// its transcript arrives, and the session's end takes that reading only when it read the same turns
// with the same known name; otherwise the end reads again. Counted on GET /metrics
// (keepsake_extraction_read_ahead_total: started, used, stale).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Turn } from "../../sdk/src/protocol.ts";
import { type Relay, startRelay } from "../helpers/relay.ts";
import { ADMIN_KEY } from "../helpers/tokens.ts";
import { authFor, connectClient, emit, listAll, newPair, type Pair, runSession, turn, turns, uid, waitForStatus } from "../helpers/wire.ts";

let relay: Relay;
beforeAll(async () => { relay = await startRelay(); });
afterAll(async () => { await relay?.stop(); });

const OUTCOMES = ["started", "used", "stale", "dropped"] as const;
async function readAhead(): Promise<Record<(typeof OUTCOMES)[number], number>> {
  const text = await (await fetch(`${relay.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
  const count = (outcome: string) => Number(new RegExp(`^keepsake_extraction_read_ahead_total\\{outcome="${outcome}"\\} (\\S+)$`, "m").exec(text)?.[1] ?? 0);
  return Object.fromEntries(OUTCOMES.map((o) => [o, count(o)])) as Record<(typeof OUTCOMES)[number], number>;
}

/** What the counters moved by while `fn` ran (dropped only when it did). */
async function counted(fn: () => Promise<void>) {
  const before = await readAhead();
  await fn();
  const after = await readAhead();
  const moved = Object.fromEntries(OUTCOMES.map((o) => [o, after[o] - before[o]]));
  if (!moved.dropped) delete moved.dropped;
  return moved;
}

/** Ships `batches` of turns in that order on one socket, then ends the session and waits until it is processed. */
async function shipInBatches(pair: Pair, batches: Turn[][], sessionId = uid("s")) {
  const c = await connectClient(relay.url, authFor(pair, sessionId));
  try {
    for (const batch of batches) expect((await emit(c.socket, "transcript", { sessionId, turns: batch })).ok).toBe(true);
    const turnCount = batches.flat().length;
    expect((await emit(c.socket, "session:end", { sessionId, turnCount })).ok).toBe(true);
    await waitForStatus(relay.url, sessionId);
  } finally { c.close(); }
}

const memoriesOf = async (pair: Pair) => (await listAll(relay.url, pair)).map((m) => m.memory);

describe("reading ahead", () => {
  it("reads a transcript shipped at its end as it arrives, and the end takes that reading", async () => {
    const pair = newPair("ahead");
    const moved = await counted(async () => {
      await runSession(relay.url, pair, turns("My name is Jordan.", "I work as a blacksmith."));
    });
    expect(moved).toEqual({ started: 1, used: 1, stale: 0 });
    expect(await memoriesOf(pair)).toEqual(expect.arrayContaining(["The user's name is Jordan.", "Jordan works as a blacksmith."]));
  });

  it("reads again at the end when turns arrived after the reading", async () => {
    const pair = newPair("late");
    const first = turns("I work as a blacksmith.", ["character", "A fine trade. And what do they call you?"]);
    const moved = await counted(async () => {
      // the last turn is one of three held: not enough to read the session again, and the end must not use the old reading
      await shipInBatches(pair, [first, [turn(2, "user", "My name is Sam.")]]);
    });
    expect(moved).toEqual({ started: 1, used: 0, stale: 1 });
    expect(await memoriesOf(pair)).toContain("The user's name is Sam.");
  });

  it("reads again at the end when the user's name became known after the reading", async () => {
    const pair = newPair("named");
    const sessionId = uid("s");
    const c = await connectClient(relay.url, authFor(pair, sessionId));
    try {
      const said = turns("I work as a blacksmith.");
      const moved = await counted(async () => {
        expect((await emit(c.socket, "transcript", { sessionId, turns: said })).ok).toBe(true);
        // meanwhile another session of the same player says their name, and is processed first
        await runSession(relay.url, pair, turns("My name is Sam."));
        expect((await emit(c.socket, "session:end", { sessionId, turnCount: said.length })).ok).toBe(true);
        await waitForStatus(relay.url, sessionId);
      });
      expect(moved).toEqual({ started: 2, used: 1, stale: 1 });
    } finally { c.close(); }
    expect(await memoriesOf(pair)).toContain("Sam works as a blacksmith.");
  });

  it("drops what it read ahead of a player who is erased before the session ends", async () => {
    const pair = newPair("erased");
    const sessionId = uid("s");
    const moved = await counted(async () => {
      const c = await connectClient(relay.url, authFor(pair, sessionId));
      try {
        expect((await emit(c.socket, "transcript", { sessionId, turns: turns("My name is Sam.", "I keep bees.") })).ok).toBe(true);
      } finally { c.close(); }
      const erased = await fetch(`${relay.url}/v1/users/${pair.endUserId}`, { method: "DELETE", headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      expect(erased.status).toBe(200);
    });
    expect(moved).toEqual({ started: 1, used: 0, stale: 0, dropped: 1 });
  });

  it("drops what it read ahead of a session that ends with memory switched off", async () => {
    const pair = newPair("off");
    const sessionId = uid("s");
    const admin = { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" };
    const c = await connectClient(relay.url, authFor(pair, sessionId));
    try {
      const said = turns("My name is Sam.", "I keep bees.");
      const moved = await counted(async () => {
        expect((await emit(c.socket, "transcript", { sessionId, turns: said })).ok).toBe(true);
        const off = await fetch(`${relay.url}/v1/characters/${pair.characterId}/settings`, { method: "PUT", headers: admin, body: JSON.stringify({ memoryEnabled: false }) });
        expect(off.status).toBe(200);
        expect(await emit(c.socket, "session:end", { sessionId, turnCount: said.length })).toMatchObject({ ok: true, status: "disabled" });
      });
      expect(moved).toEqual({ started: 1, used: 0, stale: 0, dropped: 1 });
    } finally { c.close(); }
  });

  it("reads a session streamed one turn at a time ahead twice at most", async () => {
    const pair = newPair("stream");
    const said = turns(...Array.from({ length: 12 }, (_, i) => (i === 11 ? "I have a pet raven named Quill." : `Turn ${i} of small talk about the weather.`)));
    const moved = await counted(async () => {
      await shipInBatches(pair, said.map((t) => [t]));
    });
    expect(moved.started).toBe(2);
    expect(moved.used).toBe(0);
    expect(await memoriesOf(pair)).toEqual(expect.arrayContaining([expect.stringMatching(/raven named Quill/)]));
  });
});

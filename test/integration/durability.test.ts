// What survives the relay process: a clean restart (SIGTERM), a crash (SIGKILL) right after a
// `queued` ack, and a session ended again and again across restarts, which is extracted once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIMITS } from "../../sdk/src/protocol.ts";
import { startRelay, type Relay } from "../helpers/relay.ts";
import {
  authFor, connectClient, emit, getSession, isError, listAll, newPair, runSession, ship, sleep, turn, turns, uid, waitForStatus,
} from "../helpers/wire.ts";

/** The relay currently serving the data folder; every test replaces it as it restarts or crashes it. */
let relay: Relay;
beforeAll(async () => { relay = await startRelay(); });
afterAll(async () => { await relay?.stop(); });

const sortById = <T extends { id: string }>(list: T[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));

describe("durability", () => {
  it("a restart keeps memories, sessions and their turns", async () => {
    const pair = newPair("dur");
    const done = await runSession(relay.url, pair, turns("My name is Harper.", ["character", "Hello Harper."], "I live in Reykjavik."));
    const memories = sortById(await listAll(relay.url, pair));
    expect(memories.some((m) => /Reykjavik/.test(m.memory))).toBe(true);

    // a second session left open with part of its turns
    const openId = uid("s-open");
    const openTurns = turns("I have two cats.", ["character", "Nice."], "I drive a green van.");
    expect(await ship(relay.url, pair, openId, [openTurns[0], openTurns[2]])).toEqual([{ ok: true, received: 2 }]);

    relay = await relay.restart();

    expect(sortById(await listAll(relay.url, pair))).toEqual(memories);
    const processed = await getSession(relay.url, done.sessionId);
    expect(processed.body).toMatchObject({ status: "processed", turns: 3, results: done.view.results });
    const open = await getSession(relay.url, openId);
    expect(open.body).toMatchObject({ status: "open", turns: 2, endUserId: pair.endUserId, characterId: pair.characterId });

    const again = await connectClient(relay.url, authFor(pair));
    try {
      // the injected memories are the stored ones
      const brief = (list: { id: string; memory: string }[]) => sortById(list).map((m) => `${m.id} ${m.memory}`);
      expect(brief(again.memories.memories)).toEqual(brief(memories));
      // the turns themselves survived, text included: a different text is still a conflict
      const conflict = await emit(again.socket, "transcript", { sessionId: openId, turns: [{ ...openTurns[0], text: "I have three cats." }] });
      expect(isError(conflict, "E_CONFLICT"), `ack ${JSON.stringify(conflict)}`).toBe(true);
      expect(await emit(again.socket, "transcript", { sessionId: openId, turns: [openTurns[0]] })).toEqual({ ok: true, received: 2 });
      const end = await emit(again.socket, "session:end", { sessionId: openId, turnCount: 3 });
      expect(end).toEqual({ ok: true, status: "incomplete", missing: [1] });
      // and ownership survived
      const intruder = await connectClient(relay.url, authFor({ ...pair, endUserId: uid("dur-intruder") }));
      try {
        expect(isError(await emit(intruder.socket, "transcript", { sessionId: openId, turns: [openTurns[1]] }), "E_FORBIDDEN")).toBe(true);
      } finally { intruder.close(); }
      expect(await emit(again.socket, "transcript", { sessionId: openId, turns: [openTurns[1]] })).toEqual({ ok: true, received: 3 });
      expect(["queued", "processed"]).toContain((await emit(again.socket, "session:end", { sessionId: openId, turnCount: 3 })).status);
    } finally { again.close(); }
    await waitForStatus(relay.url, openId);
    expect((await listAll(relay.url, pair)).some((m) => /van/.test(m.memory))).toBe(true);
  });

  it("a transcript ack means the turns are on disk: a crash right after it loses none", async () => {
    const pair = newPair("ackdur");
    const sessionId = uid("s-ack");
    const script = turns("My name is Lior.", ["character", "Hello Lior."], "I live in Haifa.");
    expect(await ship(relay.url, pair, sessionId, script)).toEqual([{ ok: true, received: 3 }]);
    await relay.kill();
    relay = await relay.restart();
    expect((await getSession(relay.url, sessionId)).body).toMatchObject({ status: "open", turns: 3 });
    const again = await connectClient(relay.url, authFor(pair));
    try {
      expect(await emit(again.socket, "session:end", { sessionId, turnCount: 3 })).toMatchObject({ ok: true });
    } finally { again.close(); }
    await waitForStatus(relay.url, sessionId);
    expect((await listAll(relay.url, pair)).some((m) => /Haifa/.test(m.memory))).toBe(true);
  });

  it("a crash (SIGKILL) right after a queued ack still ends processed, with each memory stored once", async () => {
    const pair = newPair("crash");
    const sessionId = uid("s-crash");
    // a long session (many messages), so that the crash is likely to land before or during its extraction
    const facts = turns("My name is Sasha.", ["character", "Hi Sasha."], "I live in Montreal.", "I work as a firefighter.", "I love hiking.");
    const filler = Array.from({ length: 1200 }, (_, i) => turn(facts.length + i, "character", `The lantern flickers as we pass milestone ${i} on the old road.`));
    const script = [...facts, ...filler];
    const c = await connectClient(relay.url, authFor(pair, sessionId));
    let end: any;
    try {
      for (let i = 0; i < script.length; i += LIMITS.turnsPerMessage) {
        const ack = await emit(c.socket, "transcript", { sessionId, turns: script.slice(i, i + LIMITS.turnsPerMessage) });
        expect(ack).toEqual({ ok: true, received: Math.min(i + LIMITS.turnsPerMessage, script.length) });
      }
      end = await emit(c.socket, "session:end", { sessionId, turnCount: script.length });
    } finally { c.close(); }
    expect(end.ok).toBe(true);
    expect(["queued", "processed"]).toContain(end.status);
    await relay.kill();

    relay = await relay.restart();
    const view = await waitForStatus(relay.url, sessionId);
    expect(view).toMatchObject({ sessionId, status: "processed", turns: script.length });
    const memories = await listAll(relay.url, pair);
    for (const word of [/Sasha/, /Montreal/, /firefighter/i, /hiking/i]) {
      expect(memories.filter((m) => word.test(m.memory) && m.sources.some((s) => s.sessionId === sessionId)).length, `${word} in ${JSON.stringify(memories.map((m) => m.memory))}`).toBeGreaterThan(0);
    }
    // each memory once: no text twice, and exactly the adds of the recorded results
    const texts = memories.map((m) => m.memory);
    expect(new Set(texts).size).toBe(texts.length);
    expect(memories.map((m) => m.id).sort()).toEqual(view.results.filter((r: any) => r.event === "add").map((r: any) => r.id).sort());
    for (const m of memories) {
      const h = await fetch(`${relay.url}/v1/memories/${m.id}/history`).then((r) => r.json());
      expect(h.history.filter((e: any) => e.event === "add")).toHaveLength(1);
    }
  });

  it("a session ended many times across restarts is extracted once", async () => {
    const pair = newPair("reend");
    const sessionId = uid("s-reend");
    const script = turns("My name is Elliot.", "I live in Nairobi.", "I love chess.");
    const run = await runSession(relay.url, pair, script, { sessionId });
    const results = run.view.results;
    expect(results.filter((r: any) => r.event === "add").length).toBeGreaterThanOrEqual(3);
    const memories = sortById(await listAll(relay.url, pair));

    for (let round = 0; round < 2; round++) {
      if (round === 1) await relay.kill(); // a crash; round 0 a clean restart (SIGTERM)
      relay = await relay.restart();
      const c = await connectClient(relay.url, authFor(pair));
      try {
        const mark = c.events.length;
        expect(await emit(c.socket, "transcript", { sessionId, turns: script })).toEqual({ ok: true, received: script.length });
        for (let i = 0; i < 3; i++) {
          expect(await emit(c.socket, "session:end", { sessionId, turnCount: script.length })).toEqual({ ok: true, status: "processed" });
        }
        await sleep(500);
        for (const e of c.events.slice(mark).filter((e) => e.event === "session:processed")) expect(e.payload.results).toEqual(results);
      } finally { c.close(); }
      expect(sortById(await listAll(relay.url, pair))).toEqual(memories);
      expect((await getSession(relay.url, sessionId)).body).toMatchObject({ status: "processed", results });
    }
  });
});

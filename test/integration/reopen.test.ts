// A session the relay ended because its player seemed gone (idle) takes them back: later turns of
// the same session reopen it, and its next end extracts them, without repeating what it had.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startRelay, type Relay } from "../helpers/relay.ts";
import { authFor, connectClient, emit, getSession, listAll, newPair, ship, turn, uid, waitForStatus } from "../helpers/wire.ts";

let relay: Relay;
beforeAll(async () => { relay = await startRelay({ env: { KEEPSAKE_SESSION_IDLE_MS: "600" } }); });
afterAll(async () => { await relay?.stop(); });

it("reopens an idle-ended session when its player delivers more, and extracts only what is new", async () => {
  const pair = newPair("reopen");
  const sessionId = uid("s-reopen");
  expect(await ship(relay.url, pair, sessionId, [turn(0, "user", "My name is Jordan and I live in Denver.")])).toEqual([{ ok: true, received: 1 }]);

  // nobody came back: the relay ends and extracts the session on its own
  const idle = await waitForStatus(relay.url, sessionId);
  expect(idle.turnCount).toBe(1);
  const before = await listAll(relay.url, pair);
  expect(before.some((m) => m.memory.includes("Denver"))).toBe(true);

  // the player was only away: the same session goes on
  const back = await connectClient(relay.url, authFor(pair, sessionId));
  try {
    expect(back.memories.memories.map((m: any) => m.id).sort()).toEqual(before.map((m) => m.id).sort());
    expect(await emit(back.socket, "transcript", { sessionId, turns: [turn(1, "user", "I work as a welder.")] }))
      .toEqual({ ok: true, received: 2 });
    expect((await getSession(relay.url, sessionId)).body.status).toBe("open");
    expect(await emit(back.socket, "session:end", { sessionId, turnCount: 2 })).toMatchObject({ ok: true });
    const done = await waitForStatus(relay.url, sessionId);
    expect(done.turns).toBe(2);
    // the earlier facts are noops, the new one an add: nothing duplicated
    expect(done.results.filter((r: any) => r.event === "add").map((r: any) => r.memory)).toEqual([expect.stringContaining("welder")]);
    const after = await listAll(relay.url, pair);
    expect(after.length).toBe(before.length + 1);
  } finally { back.close(); }
});

it("an ended session the client ended itself stays closed to new turns", async () => {
  const pair = newPair("closed");
  const sessionId = uid("s-closed");
  const c = await connectClient(relay.url, authFor(pair, sessionId));
  try {
    await emit(c.socket, "transcript", { sessionId, turns: [turn(0, "user", "I love tea.")] });
    expect(await emit(c.socket, "session:end", { sessionId, turnCount: 1 })).toMatchObject({ ok: true });
    await waitForStatus(relay.url, sessionId);
    const late = await emit(c.socket, "transcript", { sessionId, turns: [turn(1, "user", "I also love coffee.")] });
    expect(late).toMatchObject({ ok: false, error: { code: "E_CONFLICT" } });
    expect((await getSession(relay.url, sessionId)).body).toMatchObject({ status: "processed", turns: 1 });
  } finally { c.close(); }
});

// A memory's history (issue 6, point 8) against the real relay process: GET /v1/memories/:id/history
// shows every add, update and delete, in order, with the session that caused it, and none for a
// change made through REST; it still answers once the memory is gone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HistoryEntry } from "../../sdk/src/protocol.ts";
import { startRelay, type Relay } from "../helpers/relay.ts";
import { authFor, listAll, newPair, pairPath, rest, runSession, turns, uid } from "../helpers/wire.ts";

let relay: Relay;
beforeAll(async () => { relay = await startRelay(); });
afterAll(async () => { await relay?.stop(); });

async function historyOf(id: string): Promise<HistoryEntry[]> {
  const r = await rest(relay.url, "GET", `/v1/memories/${id}/history`);
  expect(r.status, r.text).toBe(200);
  return r.body.history;
}

describe("GET /v1/memories/:id/history", () => {
  it("the whole life of one memory: added by session A, updated by session B, patched and deleted through REST: four entries in order", async () => {
    const pair = newPair("life");
    const a = await runSession(relay.url, pair, turns("I live in Denver."));
    expect(a.view.results).toEqual([expect.objectContaining({ event: "add", memory: "The user lives in Denver." })]);
    const id = a.view.results[0].id as string;
    const b = await runSession(relay.url, pair, turns("I live in Austin now."));
    expect(b.view.results).toEqual([expect.objectContaining({ event: "update", id, memory: "The user lives in Austin." })]);
    const patched = await rest(relay.url, "PATCH", `${pairPath(pair)}/${id}`, { memory: "The user lives in Austin, near the river." });
    expect(patched.status, patched.text).toBe(200);
    expect((await rest(relay.url, "DELETE", `${pairPath(pair)}/${id}`)).status).toBe(200);
    expect((await rest(relay.url, "GET", `${pairPath(pair)}/${id}`)).status).toBe(404);

    const history = await historyOf(id);
    expect(history).toEqual([
      { event: "add", memory: "The user lives in Denver.", previous: null, at: expect.any(String), sessionId: a.sessionId },
      { event: "update", memory: "The user lives in Austin.", previous: "The user lives in Denver.", at: expect.any(String), sessionId: b.sessionId },
      { event: "update", memory: "The user lives in Austin, near the river.", previous: "The user lives in Austin.", at: expect.any(String) },
      { event: "delete", memory: "The user lives in Austin, near the river.", previous: "The user lives in Austin, near the river.", at: expect.any(String) },
    ]);
    const times = history.map((h) => Date.parse(h.at));
    for (const [i, t] of times.entries()) {
      expect(Number.isNaN(t)).toBe(false);
      if (i) expect(t).toBeGreaterThanOrEqual(times[i - 1]);
    }
  });

  it("a deletion a session caused (a retraction) names that session; a repeat changes no text and adds no entry", async () => {
    const pair = newPair("retract");
    const first = await runSession(relay.url, pair, turns("I work as a welder."));
    const id = first.view.results[0].id as string;
    const again = await runSession(relay.url, pair, turns("I work as a welder."));
    expect(again.view.results).toEqual([expect.objectContaining({ event: "noop", id })]);
    const quit = await runSession(relay.url, pair, turns("I no longer work as a welder."));
    expect(quit.view.results).toEqual([expect.objectContaining({ event: "delete", id })]);
    expect(await listAll(relay.url, pair)).toEqual([]);
    expect(await historyOf(id)).toEqual([
      expect.objectContaining({ event: "add", sessionId: first.sessionId }),
      expect.objectContaining({ event: "delete", memory: "The user works as a welder.", sessionId: quit.sessionId }),
    ]);
  });

  it("a shared store's memory names each member's session; REST adds and edits (admin, character knowledge) name none", async () => {
    const npc = uid("npc"), store = uid("guild");
    const [ann, ben] = ["ann", "ben"].map((n) => ({ endUserId: uid(n), characterId: npc }));
    const inStore = (who: typeof ann, said: string) => {
      const sessionId = uid("s");
      return runSession(relay.url, who, turns(said), { sessionId, auth: authFor(who, sessionId, { memoryStores: [store] }) });
    };
    const first = await inStore(ann, "Our guild meets at the old mill.");
    const id = first.view.results[0].id as string;
    const second = await inStore(ben, "Our guild doesn't meet at the old mill anymore.");
    expect(second.view.results).toEqual([expect.objectContaining({ event: "update", id })]);
    expect((await historyOf(id)).map((h) => [h.event, h.sessionId])).toEqual([["add", first.sessionId], ["update", second.sessionId]]);

    const k = await rest(relay.url, "POST", `/v1/characters/${npc}/memories`, { memories: ["The inn opens at dawn."] });
    const kid = k.body.results[0].id as string;
    await rest(relay.url, "PATCH", `/v1/characters/${npc}/memories/${kid}`, { memory: "The inn opens an hour after dawn." });
    const kh = await historyOf(kid);
    expect(kh.map((h) => h.event)).toEqual(["add", "update"]);
    for (const h of kh) expect(h).not.toHaveProperty("sessionId");
  });

  it("a memory that never existed is 404 E_NOT_FOUND", async () => {
    const r = await rest(relay.url, "GET", `/v1/memories/${uid("nothing")}/history`);
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ code: "E_NOT_FOUND", message: expect.any(String) });
  });
});

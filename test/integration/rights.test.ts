// Players' rights (issue 6, point 7) against the real relay process: the end-user list (paged,
// lastActiveAt and metadata, filtered by activity), a player's export (every memory with its history,
// the shared-store memories their sessions wrote, every session with its transcript and summary, as
// a JSON attachment), and erasure: at once, for every character, and out of shared stores' authorship
// (a store memory only they wrote goes; one another player's session wrote too stays, with only that
// player's sources). The tests of the erasure block run in order.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MemoryRecord } from "../../sdk/src/protocol.ts";
import { startRelay, type Relay } from "../helpers/relay.ts";
import { sqlite } from "../helpers/sqlite.ts";
import {
  authFor, connectClient, getSession, listAll, newPair, type Pair, pairPath, rest, runSession, type SessionRun, sleep, turns, uid,
} from "../helpers/wire.ts";

let relay: Relay;
beforeAll(async () => { relay = await startRelay(); });
afterAll(async () => { await relay?.stop(); });

/** Every end user of GET /v1/users with `query`, page by page (`limit` a page). */
async function allUsers(query: string, limit = 2): Promise<{ endUserId: string; lastActiveAt: string; metadata: object }[]> {
  const seen = [];
  let cursor: string | undefined;
  for (let i = 0; i < 10_000; i++) {
    const r = await rest(relay.url, "GET", `/v1/users?limit=${limit}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    expect(r.status, r.text).toBe(200);
    expect(r.body.users.length).toBeLessThanOrEqual(limit);
    seen.push(...r.body.users);
    cursor = r.body.nextCursor ?? undefined;
    if (!cursor) return seen;
  }
  throw new Error("the list never ended");
}

describe("GET /v1/users", () => {
  it("pages with limit and cursor; each user has lastActiveAt and metadata; activeSince and inactiveSince filter by the last connect", async () => {
    const tag = uid("cohort");
    const [early, late] = [["a", "b", "c"], ["d", "e"]].map((ns) => ns.map((n) => ({ endUserId: `${tag}-${n}`, characterId: uid("npc") })));
    const connect = async (list: Pair[]) => {
      for (const p of list) (await connectClient(relay.url, authFor(p, uid("s"), { metadata: { name: p.endUserId.slice(-1).toUpperCase(), level: 3 } }))).close();
    };
    await connect(early);
    await sleep(5);
    const between = new Date().toISOString();
    await sleep(5);
    await connect(late);

    const ours = (list: { endUserId: string }[]) => list.map((u) => u.endUserId).filter((id) => id.startsWith(tag));
    const all = await allUsers("");
    expect(new Set(all.map((u) => u.endUserId)).size).toBe(all.length);
    expect(ours(all)).toEqual([...early, ...late].map((p) => p.endUserId));
    for (const u of all.filter((u) => u.endUserId.startsWith(tag))) {
      expect(u.metadata).toEqual({ name: u.endUserId.slice(-1).toUpperCase(), level: 3 });
      expect(Number.isNaN(Date.parse(u.lastActiveAt))).toBe(false);
    }
    expect(ours(await allUsers(`&activeSince=${encodeURIComponent(between)}`, 1))).toEqual(late.map((p) => p.endUserId));
    expect(ours(await allUsers(`&inactiveSince=${encodeURIComponent(between)}`, 1))).toEqual(early.map((p) => p.endUserId));
    // the same instant with an offset
    const offset = new Date(Date.parse(between) + 2 * 3600_000).toISOString().replace("Z", "+02:00");
    expect(ours(await allUsers(`&activeSince=${encodeURIComponent(offset)}`))).toEqual(late.map((p) => p.endUserId));
    // an early user connects again: active since then
    await connect([early[0]]);
    expect(ours(await allUsers(`&activeSince=${encodeURIComponent(between)}`))).toEqual([early[0], ...late].map((p) => p.endUserId));

    for (const bad of ["activeSince=yesterday", "inactiveSince=2025-13-01T00:00:00Z", "limit=0", `limit=${1000}`, "cursor=not%20an%20id"]) {
      const r = await rest(relay.url, "GET", `/v1/users?${bad}`);
      expect(r.status, bad).toBe(400);
      expect(r.body.code).toBe("E_BAD_REQUEST");
    }
  });
});

describe("a player's export and erasure", () => {
  const npcA = uid("smith"), npcB = uid("keeper"), guild = uid("guild");
  const zoe = { a: { endUserId: uid("zoe"), characterId: npcA } as Pair, b: {} as Pair };
  zoe.b = { endUserId: zoe.a.endUserId, characterId: npcB };
  const ben: Pair = { endUserId: uid("ben"), characterId: npcA };
  const keep: Pair = { endUserId: uid("keep"), characterId: npcA };
  const MILL = "Their guild meets at the old mill.", WELL = "Their guild hides its treasure in the old well.";
  let own: SessionRun, zoeGuild: SessionRun, benGuild: SessionRun;
  let gone: string, rest1: string;

  const inGuild = (who: Pair, said: string[]) => {
    const sessionId = uid("s");
    return runSession(relay.url, who, turns(...said), { sessionId, auth: authFor(who, sessionId, { memoryStores: [guild] }) });
  };

  beforeAll(async () => {
    const sessionId = uid("s");
    own = await runSession(relay.url, zoe.a, turns("I live in Quito.", "I have a cat named Miso."), { sessionId, auth: authFor(zoe.a, sessionId, { metadata: { name: "Zoe" } }) });
    zoeGuild = await inGuild(zoe.a, ["Our guild meets at the old mill.", "Our guild hides its treasure in the old well."]);
    // Ben says the mill again: the store memory has both players' sessions as sources
    benGuild = await inGuild(ben, ["Our guild meets at the old mill."]);
    expect(benGuild.view.results).toEqual([expect.objectContaining({ event: "noop", memory: MILL })]);
    [rest1, gone] = (await rest(relay.url, "POST", pairPath(zoe.b), { memories: ["The user rides a unicycle.", "The user owes the keeper ten coins."] }))
      .body.results.map((r: { id: string }) => r.id);
    expect((await rest(relay.url, "DELETE", `${pairPath(zoe.b)}/${gone}`)).status).toBe(200);
    await runSession(relay.url, ben, turns("I live in Lima."));
    await rest(relay.url, "POST", pairPath(keep), { memories: ["The user rides a unicycle."] });
  });

  const storeMemories = async (): Promise<MemoryRecord[]> => (await rest(relay.url, "GET", `/v1/stores/${guild}/memories`)).body.memories;

  it("GET /v1/users/:id/export: every memory with its history, her part of the store, every session with transcript and summary, as an attachment", async () => {
    const r = await fetch(`${relay.url}/v1/users/${zoe.a.endUserId}/export`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/application\/json/);
    expect(r.headers.get("content-disposition")).toBe(`attachment; filename="keepsake-${zoe.a.endUserId}.json"`);
    const text = await r.text();
    const data = JSON.parse(text);
    expect(data).toMatchObject({ endUserId: zoe.a.endUserId, metadata: { name: "Zoe" }, lastActiveAt: expect.any(String) });

    // her pair memories of both characters, each with its whole history
    const pairs = [...await listAll(relay.url, zoe.a), ...await listAll(relay.url, zoe.b)];
    expect(pairs.map((m) => m.memory).sort()).toEqual(["The user has a cat named Miso.", "The user lives in Quito.", "The user rides a unicycle."]);
    for (const m of pairs) {
      const e = data.memories.find((x: MemoryRecord) => x.id === m.id);
      expect(e, m.memory).toMatchObject({ ...m, history: [expect.objectContaining({ event: "add", memory: m.memory })] });
      expect(e.history[0].sessionId).toBe(m.id === rest1 ? undefined : own.sessionId);
    }
    // the store's memories her session wrote, with her sources only and the history her session caused
    const mill = data.memories.find((m: MemoryRecord) => m.memory === MILL);
    expect(mill.scope).toEqual({ kind: "store", store: guild });
    expect(mill.sources.map((s: { sessionId: string }) => s.sessionId)).toEqual([zoeGuild.sessionId]);
    expect(mill.history).toEqual([expect.objectContaining({ event: "add", sessionId: zoeGuild.sessionId })]);
    expect(data.memories.find((m: MemoryRecord) => m.memory === WELL)).toBeDefined();
    expect(data.memories).toHaveLength(5);
    // the memory deleted through REST: its history is still kept, so it is exported
    expect(data.deletedMemories).toEqual([{ id: gone, history: [
      expect.objectContaining({ event: "add", memory: "The user owes the keeper ten coins." }),
      expect.objectContaining({ event: "delete", memory: "The user owes the keeper ten coins." }),
    ] }]);
    // her sessions with their transcripts and summaries
    const sessions = Object.fromEntries(data.sessions.map((s: { sessionId: string }) => [s.sessionId, s]));
    expect(Object.keys(sessions).sort()).toEqual([own.sessionId, zoeGuild.sessionId].sort());
    expect(sessions[own.sessionId]).toMatchObject({ status: "processed", summary: expect.stringMatching(/Quito/) });
    expect(sessions[own.sessionId].transcript.map((t: { text: string }) => t.text)).toEqual(["I live in Quito.", "I have a cat named Miso."]);
    expect(sessions[zoeGuild.sessionId]).toMatchObject({ memoryStores: [guild], transcript: [expect.objectContaining({ text: "Our guild meets at the old mill." }), expect.anything()] });
    // nothing of the other players
    for (const other of [ben.endUserId, keep.endUserId, benGuild.sessionId, "Lima"]) expect(text).not.toContain(other);
  });

  it("DELETE /v1/users/:id erases her at once: memories, history and transcripts of every character, and her authorship in the store", async () => {
    const member = await connectClient(relay.url, authFor(ben, uid("s"), { memoryStores: [guild] }));
    try {
      const mark = member.events.length;
      const r = await rest(relay.url, "DELETE", `/v1/users/${zoe.a.endUserId}`);
      expect(r.status, r.text).toBe(200);
      // 3 pair memories and the well; the mill stays for Ben
      expect(r.body).toEqual({ deleted: true, endUserId: zoe.a.endUserId, memories: 4, storeMemoriesKept: 1, sessions: 2 });
      // the store's member is told at once: the well is gone
      const u = await member.next("memories:updated", () => true, 5_000, mark);
      expect(u.memories.map((m: MemoryRecord) => m.memory)).toEqual([MILL]);
    } finally { member.close(); }
  });

  it("afterwards: no export, not in the users list, her sessions and her memories' history 404, her pair memories gone", async () => {
    const exported = await rest(relay.url, "GET", `/v1/users/${zoe.a.endUserId}/export`);
    expect(exported.status, exported.text).toBe(404);
    expect(exported.body.code).toBe("E_NOT_FOUND");
    expect((await allUsers("", 100)).map((u) => u.endUserId)).not.toContain(zoe.a.endUserId);
    for (const s of [own.sessionId, zoeGuild.sessionId]) expect((await getSession(relay.url, s)).status).toBe(404);
    expect(await listAll(relay.url, zoe.a)).toEqual([]);
    expect(await listAll(relay.url, zoe.b)).toEqual([]);
    const wellId = zoeGuild.view.results.find((r: { memory: string }) => r.memory === WELL).id;
    for (const id of [...own.view.results.map((r: { id: string }) => r.id), rest1, gone, wellId]) {
      expect((await rest(relay.url, "GET", `/v1/memories/${id}/history`)).status, id).toBe(404);
    }
  });

  it("the store memory Ben's session wrote too stays, with only Ben's sources and no trace of her sessions; the rest of the world is untouched", async () => {
    const store = await storeMemories();
    expect(store.map((m) => m.memory)).toEqual([MILL]);
    expect(store[0].sources).toEqual([{ sessionId: benGuild.sessionId, seq: [0] }]);
    const h = await rest(relay.url, "GET", `/v1/memories/${store[0].id}/history`);
    expect(h.status).toBe(200);
    expect(h.text).not.toContain(zoeGuild.sessionId);
    // Ben's own session and memories, and another player's, are as they were
    expect((await listAll(relay.url, ben)).map((m) => m.memory)).toEqual(["The user lives in Lima."]);
    expect((await getSession(relay.url, benGuild.sessionId)).body).toMatchObject({ status: "processed", turns: 1 });
    expect((await listAll(relay.url, keep)).map((m) => m.memory)).toEqual(["The user rides a unicycle."]);
    expect((await allUsers("", 100)).map((u) => u.endUserId)).toContain(ben.endUserId);
  });
});

describe("a data folder from before history kept its scope", () => {
  it("opens with the column added, and erasing a player there still leaves nothing of them", async () => {
    const r = await startRelay();
    const p = newPair("old");
    const hired = await runSession(r.url, p, turns("I work as a welder."));
    const quit = await runSession(r.url, p, turns("I no longer work as a welder."));
    expect(quit.view.results).toEqual([expect.objectContaining({ event: "delete" })]);
    const bees = (await rest(r.url, "POST", pairPath(p), { memories: ["The user keeps bees."] })).body.results[0].id;
    await r.stop();
    // as the store was before this version: history without scope_key
    sqlite(r.dataDir, [{ sql: "drop index history_scope" }, { sql: "alter table history drop column scope_key" }]);
    expect(sqlite(r.dataDir, [{ sql: "pragma table_info(history)" }])[0].map((c: { name: string }) => c.name)).not.toContain("scope_key");

    const again = await r.restart();
    try {
      // history is written again (with its scope)
      expect((await rest(again.url, "POST", pairPath(p), { memories: ["The user keeps a parrot."] })).status).toBe(200);
      expect((await rest(again.url, "GET", `/v1/users/${p.endUserId}/export`)).body.deletedMemories).toHaveLength(1);
      expect((await rest(again.url, "DELETE", `/v1/users/${p.endUserId}`)).body).toMatchObject({ memories: 2, sessions: 2 });
      expect((await rest(again.url, "GET", `/v1/users/${p.endUserId}/export`)).status).toBe(404);
      for (const id of [hired.view.results[0].id, bees]) expect((await rest(again.url, "GET", `/v1/memories/${id}/history`)).status).toBe(404);
    } finally { await again.stop(); }
  });
});

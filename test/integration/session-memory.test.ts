// Session memory (issue 6): facts about the task of the moment ("The user is looking for the blue
// key.") are stored with `expiresAt` = processing time + KEEPSAKE_SESSION_MEMORY_TTL, and from then on
// are neither injected nor found by search; the relay deletes them and tells connected readers.
// Lasting facts of the same session never expire. Two relays: the default TTL (24 h), and a tiny one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoriesPayload, MemoriesUpdatedPayload, type MemoryRecord } from "../../sdk/src/protocol.ts";
import { startRelay, type Relay } from "../helpers/relay.ts";
import {
  authFor, connectClient, emit, listAll, newPair, pairPath, rest, runSession, turns, waitFor,
} from "../helpers/wire.ts";

const DAY_MS = 24 * 3600_000;
const TINY_TTL_MS = 3000;

const QUEST = turns(
  "My name is Jordan.",
  "I live in Denver.",
  "I'm looking for the blue key.",
  "I'm on my way to the harbor.",
);
const KEY = /looking for the blue key/;
const HARBOR = /on their way to the harbor/;

const find = (list: MemoryRecord[], re: RegExp) => list.find((m) => re.test(m.memory));

let relay: Relay;
let tiny: Relay;
beforeAll(async () => {
  [relay, tiny] = await Promise.all([startRelay(), startRelay({ env: { KEEPSAKE_SESSION_MEMORY_TTL: `${TINY_TTL_MS / 1000}s` } })]);
});
afterAll(async () => { await Promise.all([relay?.stop(), tiny?.stop()]); });

describe("session memory (default TTL, 24 h)", () => {
  const pair = newPair("sm");
  let keyId = "";

  it("a task of the moment gets expiresAt 24 h after processing; the name and the home do not", async () => {
    const before = Date.now();
    const run = await runSession(relay.url, pair, QUEST);
    const after = Date.now();
    const list = await listAll(relay.url, pair);
    const key = find(list, KEY), harbor = find(list, HARBOR);
    expect(key, list.map((m) => m.memory).join("\n")).toBeDefined();
    expect(harbor).toBeDefined();
    keyId = key!.id;
    for (const m of [key!, harbor!]) {
      expect(m.expiresAt).toBeDefined();
      expect(Date.parse(m.expiresAt!)).toBeGreaterThanOrEqual(before + DAY_MS);
      expect(Date.parse(m.expiresAt!)).toBeLessThanOrEqual(after + DAY_MS);
    }
    for (const m of list.filter((m) => m !== key && m !== harbor)) expect(m.expiresAt, m.memory).toBeUndefined();
    expect(list.map((m) => m.memory)).toEqual(expect.arrayContaining(["The user's name is Jordan.", "Jordan lives in Denver."]));
    expect(run.view.results.filter((r: any) => r.event === "add").length).toBe(list.length);
  });

  it("until it expires it is injected, with its expiresAt, and found by search", async () => {
    const c = await connectClient(relay.url, authFor(pair));
    try {
      const injected = MemoriesPayload.parse(c.memories);
      expect(find(injected.memories, KEY)?.expiresAt).toBeDefined();
      expect(injected.context).toMatch(KEY);
      const hits = await emit(c.socket, "memory:search", { query: "blue key" });
      expect(hits.ok).toBe(true);
      expect(hits.memories[0]?.id).toBe(keyId);
    } finally { c.close(); }
  });

  it("said again in a later session, the same memory lives another TTL from then", async () => {
    const first = (await listAll(relay.url, pair)).find((m) => m.id === keyId)!;
    const run = await runSession(relay.url, pair, turns("I'm looking for the blue key."));
    expect(run.view.results.find((r: any) => r.id === keyId)?.event).toBe("noop");
    const again = (await listAll(relay.url, pair)).find((m) => m.id === keyId)!;
    expect(Date.parse(again.expiresAt!)).toBeGreaterThan(Date.parse(first.expiresAt!));
  });

  it("rewritten as a lasting fact (a REST add that revises it), it no longer expires", async () => {
    const add = await rest(relay.url, "POST", pairPath(pair), { memories: ["Jordan is looking for the blue key and the red gem."] });
    expect(add.body.results).toEqual([expect.objectContaining({ id: keyId, event: "update" })]);
    const m = (await listAll(relay.url, pair)).find((x) => x.id === keyId)!;
    expect(m.memory).toMatch(/red gem/);
    expect(m.expiresAt).toBeUndefined();
  });

  it("pinned, session memory is kept: its expiry is dropped", async () => {
    const harbor = find(await listAll(relay.url, pair), HARBOR)!;
    const r = await rest(relay.url, "PATCH", `${pairPath(pair)}/${harbor.id}`, { pinned: true });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: harbor.id, pinned: true });
    expect(r.body.expiresAt).toBeUndefined();
  });

  it("a statement in the past, a lasting search and a home said 'right now' are not session memory", async () => {
    const p = newPair("sm-lasting");
    await runSession(relay.url, p, turns("I was looking for the blue key yesterday.", "I'm looking for a new job.", "I live in Oslo right now."));
    const list = await listAll(relay.url, p);
    expect(list.length).toBe(3);
    for (const m of list) expect(m.expiresAt, m.memory).toBeUndefined();
  });
});

describe(`session memory expired (KEEPSAKE_SESSION_MEMORY_TTL=${TINY_TTL_MS / 1000}s)`, () => {
  it("is neither injected nor searched after expiresAt; a connected reader gets memories:updated without it; lasting memories stay", async () => {
    const pair = newPair("sm-tiny");
    const watcher = await connectClient(tiny.url, authFor(pair));
    try {
      const run = await runSession(tiny.url, pair, QUEST);
      const stored = await listAll(tiny.url, pair);
      const key = find(stored, KEY);
      expect(key?.expiresAt, stored.map((m) => m.memory).join("\n")).toBeDefined();
      const expiresAt = Math.max(...stored.filter((m) => m.expiresAt).map((m) => Date.parse(m.expiresAt!)));
      expect(expiresAt - Date.parse(key!.createdAt)).toBeLessThanOrEqual(TINY_TTL_MS);
      // the extraction's own push comes first; the next one is the expiry's
      await watcher.next("memories:updated", () => true, 10_000);
      const mark = watcher.events.findIndex((e) => e.event === "memories:updated") + 1;
      await waitFor(() => Date.now() > expiresAt, 10_000);

      const pushed = MemoriesUpdatedPayload.parse(await watcher.next("memories:updated", () => true, 10_000, mark));
      expect(pushed.memories.map((m) => m.memory).sort()).toEqual(["Jordan lives in Denver.", "The user's name is Jordan."]);
      expect(pushed.total).toBe(2);
      // (the summary of the session, a "Last time, …" line, still says what the player was doing then)
      const memoryLines = (context: string) => context.split("\n").filter((l) => l.startsWith("- ") && !/^- (Last time|Before that)\b/.test(l));
      expect(memoryLines(pushed.context)).toEqual(["- The user's name is Jordan.", "- Jordan lives in Denver."]);

      const c = await connectClient(tiny.url, authFor(pair));
      try {
        const injected = MemoriesPayload.parse(c.memories);
        expect(injected.memories.map((m) => m.id).sort()).toEqual(pushed.memories.map((m) => m.id).sort());
        expect(injected.total).toBe(2);
        expect(memoryLines(injected.context)).toEqual(memoryLines(pushed.context));
        const hits = await emit(c.socket, "memory:search", { query: "blue key harbor", limit: 50 });
        expect(hits.ok).toBe(true);
        expect(hits.memories.filter((m: MemoryRecord) => /blue key|harbor/.test(m.memory))).toEqual([]);
      } finally { c.close(); }

      expect((await listAll(tiny.url, pair)).map((m) => m.memory).sort()).toEqual(["Jordan lives in Denver.", "The user's name is Jordan."]);
      // its history says it was added by the session and deleted at expiry
      const h = await rest(tiny.url, "GET", `/v1/memories/${key!.id}/history`);
      expect(h.body.history.map((e: any) => e.event)).toEqual(["add", "delete"]);
      expect(h.body.history[0].sessionId).toBe(run.sessionId);
    } finally { watcher.close(); }
  });

  it("the same task said again after expiry is stored anew, expiring again", async () => {
    const pair = newPair("sm-again");
    await runSession(tiny.url, pair, turns("I want to find the blue key right now."));
    const first = (await listAll(tiny.url, pair))[0];
    expect(first?.expiresAt).toBeDefined();
    await waitFor(() => Date.now() > Date.parse(first.expiresAt!), 10_000);
    await waitFor(async () => (await listAll(tiny.url, pair)).length === 0, 10_000);
    const run = await runSession(tiny.url, pair, turns("I want to find the blue key right now."));
    expect(run.view.results.map((r: any) => r.event)).toEqual(["add"]);
    expect(run.view.results[0].id).not.toBe(first.id);
    const [again] = await listAll(tiny.url, pair);
    expect(again).toMatchObject({ id: run.view.results[0].id, memory: first.memory, expiresAt: expect.any(String) });
  });
});

describe("KEEPSAKE_SESSION_MEMORY_TTL", () => {
  it("takes 24h, 90m, 2d, 45s, 500ms or milliseconds; anything else stops the relay with code 2, saying why", async () => {
    await expect(startRelay({ env: { KEEPSAKE_SESSION_MEMORY_TTL: "soon" } }))
      .rejects.toThrow(/exited with 2[\s\S]*KEEPSAKE_SESSION_MEMORY_TTL=soon.*24h, 90m, 2d/);
    await expect(startRelay({ env: { KEEPSAKE_SESSION_MEMORY_TTL: "0" } })).rejects.toThrow(/exited with 2/);
    const ms = await startRelay({ env: { KEEPSAKE_SESSION_MEMORY_TTL: "90000" } });
    try {
      const pair = newPair("sm-ms");
      const before = Date.now();
      await runSession(ms.url, pair, turns("I'm looking for the blue key."));
      const [m] = await listAll(ms.url, pair);
      expect(Date.parse(m.expiresAt!)).toBeGreaterThanOrEqual(before + 90_000);
      expect(Date.parse(m.expiresAt!)).toBeLessThanOrEqual(Date.now() + 90_000);
    } finally { await ms.stop(); }
  });
});

// The REST half of PROTOCOL.md with plain fetch: health, memories of a pair (add, dedupe, pages, one,
// patch, delete, delete all, history), sessions, errors, pair isolation, the admin key, and the
// page-hide transcript path.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIMITS, MemoryRecord } from "../../sdk/src/protocol.ts";
import { startRelay, type Relay } from "../helpers/relay.ts";
import {
  authFor, connectClient, emit, getSession, isError, listAll, newPair, pairPath, rest, turns, uid, waitForStatus, type Pair,
} from "../helpers/wire.ts";

const ADMIN_KEY = "test-admin-key-7f3a9c";
let relay: Relay;
let guarded: Relay;
beforeAll(async () => {
  [relay, guarded] = await Promise.all([startRelay(), startRelay({ env: { KEEPSAKE_ADMIN_KEY: ADMIN_KEY } })]);
});
afterAll(async () => { await Promise.all([relay?.stop(), guarded?.stop()]); });

function expectError(r: { status: number; body: any; text: string }, status: number, code: string) {
  expect(r.status, r.text).toBe(status);
  expect(r.body, r.text).toMatchObject({ code, message: expect.any(String) });
  expect(r.body.message.length).toBeGreaterThan(0);
}

const FACTS = [
  "The user owns a red bicycle.",
  "The user speaks fluent Portuguese.",
  "The user collects vintage postage stamps.",
  "The user is allergic to peanuts.",
  "The user climbed Mount Kilimanjaro in 2019.",
  "The user plays chess every Sunday.",
  "The user grows tomatoes on a balcony.",
];

describe("health", () => {
  it("GET /v1/health answers ok and a version", async () => {
    const r = await rest(relay.url, "GET", "/v1/health");
    expect(r.status).toBe(200);
    expect(r.contentType).toMatch(/application\/json/);
    expect(r.body.ok).toBe(true);
    expect(typeof r.body.version).toBe("string");
    expect(r.body.version.length).toBeGreaterThan(0);
  });
});

describe("memories of a pair", () => {
  const pair = newPair("rest");
  const path = pairPath(pair);
  let ids: string[] = [];

  it("POST adds memories: one add result each, with ids", async () => {
    const r = await rest(relay.url, "POST", path, { memories: FACTS });
    expect(r.status, r.text).toBe(200);
    expect(r.body.results).toHaveLength(FACTS.length);
    for (const [i, res] of r.body.results.entries()) {
      expect(res).toMatchObject({ event: "add", memory: FACTS[i], id: expect.any(String) });
    }
    ids = r.body.results.map((x: any) => x.id);
    expect(new Set(ids).size).toBe(FACTS.length);
  });

  it("POSTing the same again is noop and adds nothing", async () => {
    const r = await rest(relay.url, "POST", path, { memories: FACTS.slice(0, 3) });
    expect(r.status, r.text).toBe(200);
    expect(r.body.results.map((x: any) => x.event)).toEqual(["noop", "noop", "noop"]);
    expect(r.body.results.map((x: any) => x.id)).toEqual(ids.slice(0, 3));
    expect((await rest(relay.url, "GET", path)).body.total).toBe(FACTS.length);
  });

  it("GET lists in pages with total and hasMore", async () => {
    const seen: string[] = [];
    for (const [page, size, more] of [[1, 3, true], [2, 3, true], [3, 3, false]] as const) {
      const r = await rest(relay.url, "GET", `${path}?page=${page}&pageSize=${size}`);
      expect(r.status, r.text).toBe(200);
      expect(r.body).toMatchObject({ total: FACTS.length, page, pageSize: size, hasMore: more });
      expect(r.body.memories).toHaveLength(page < 3 ? 3 : 1);
      for (const m of r.body.memories) {
        MemoryRecord.parse(m);
        expect(m.scope).toEqual({ kind: "pair", endUserId: pair.endUserId, characterId: pair.characterId });
        expect(m.sources).toEqual([]);
        expect(m.pinned).toBe(false);
      }
      seen.push(...r.body.memories.map((m: any) => m.id));
    }
    expect([...seen].sort()).toEqual([...ids].sort());
    const past = await rest(relay.url, "GET", `${path}?page=4&pageSize=3`);
    expect(past.body).toMatchObject({ memories: [], total: FACTS.length, page: 4, hasMore: false });
    const whole = await rest(relay.url, "GET", path);
    expect(whole.body).toMatchObject({ total: FACTS.length, page: 1, pageSize: 50, hasMore: false });
    expect(whole.body.memories).toHaveLength(FACTS.length);
  });

  it("GET one memory", async () => {
    const r = await rest(relay.url, "GET", `${path}/${ids[1]}`);
    expect(r.status, r.text).toBe(200);
    expect(MemoryRecord.parse(r.body)).toMatchObject({ id: ids[1], memory: FACTS[1], pinned: false, metadata: {} });
  });

  it("PATCH changes text, pinned and metadata, and history records the edit", async () => {
    const before = (await rest(relay.url, "GET", `${path}/${ids[0]}`)).body;
    const r = await rest(relay.url, "PATCH", `${path}/${ids[0]}`, { memory: "The user owns a blue bicycle.", pinned: true, metadata: { source: "support ticket 12" } });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ id: ids[0], memory: "The user owns a blue bicycle.", pinned: true, metadata: { source: "support ticket 12" } });
    expect(Date.parse(r.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(before.updatedAt));
    expect(r.body.createdAt).toBe(before.createdAt);
    const got = (await rest(relay.url, "GET", `${path}/${ids[0]}`)).body;
    expect(got).toMatchObject({ memory: "The user owns a blue bicycle.", pinned: true, metadata: { source: "support ticket 12" } });

    const onlyPin = await rest(relay.url, "PATCH", `${path}/${ids[0]}`, { pinned: false });
    expect(onlyPin.status).toBe(200);
    expect(onlyPin.body).toMatchObject({ memory: "The user owns a blue bicycle.", pinned: false, metadata: { source: "support ticket 12" } });

    const h = await rest(relay.url, "GET", `/v1/memories/${ids[0]}/history`);
    expect(h.status, h.text).toBe(200);
    const entries = h.body.history;
    expect(entries[0]).toMatchObject({ event: "add", memory: "The user owns a red bicycle." });
    expect(entries).toContainEqual(expect.objectContaining({ event: "update", memory: "The user owns a blue bicycle.", previous: "The user owns a red bicycle." }));
    for (const e of entries) expect(Number.isNaN(Date.parse(e.at))).toBe(false);
  });

  it("pinned memories stay put when the same text is added again", async () => {
    await rest(relay.url, "PATCH", `${path}/${ids[2]}`, { pinned: true });
    const r = await rest(relay.url, "POST", path, { memories: [FACTS[2]] });
    expect(r.body.results).toEqual([expect.objectContaining({ event: "noop", id: ids[2] })]);
    expect((await rest(relay.url, "GET", `${path}/${ids[2]}`)).body).toMatchObject({ memory: FACTS[2], pinned: true });
  });

  it("POST with pinned and metadata applies them to the new memories", async () => {
    const r = await rest(relay.url, "POST", path, { memories: ["The user works night shifts at a bakery."], pinned: true, metadata: { by: "admin" } });
    expect(r.status, r.text).toBe(200);
    expect(r.body.results[0].event).toBe("add");
    const got = await rest(relay.url, "GET", `${path}/${r.body.results[0].id}`);
    expect(got.body).toMatchObject({ pinned: true, metadata: { by: "admin" }, sources: [] });
    ids.push(r.body.results[0].id);
  });

  it("DELETE one memory; then it is 404 E_NOT_FOUND", async () => {
    const r = await rest(relay.url, "DELETE", `${path}/${ids[3]}`);
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual({ deleted: true, id: ids[3] });
    expectError(await rest(relay.url, "GET", `${path}/${ids[3]}`), 404, "E_NOT_FOUND");
    expectError(await rest(relay.url, "DELETE", `${path}/${ids[3]}`), 404, "E_NOT_FOUND");
    expectError(await rest(relay.url, "PATCH", `${path}/${ids[3]}`, { pinned: true }), 404, "E_NOT_FOUND");
    const list = await listAll(relay.url, pair);
    expect(list.map((m) => m.id)).not.toContain(ids[3]);
    expect(list).toHaveLength(FACTS.length); // 7 - 1 deleted + 1 added
    const h = await rest(relay.url, "GET", `/v1/memories/${ids[3]}/history`);
    if (h.status === 200) expect(h.body.history.at(-1)).toMatchObject({ event: "delete" });
    else expectError(h, 404, "E_NOT_FOUND");
  });

  it("DELETE all memories of the pair answers how many", async () => {
    const other = newPair("rest-keep");
    await rest(relay.url, "POST", pairPath(other), { memories: ["The user keeps bees."] });
    const r = await rest(relay.url, "DELETE", path);
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual({ deleted: FACTS.length });
    expect((await rest(relay.url, "GET", path)).body).toMatchObject({ memories: [], total: 0, hasMore: false });
    expect(await rest(relay.url, "DELETE", path)).toMatchObject({ status: 200, body: { deleted: 0 } });
    // another pair is untouched
    expect((await listAll(relay.url, other)).map((m) => m.memory)).toEqual(["The user keeps bees."]);
  });

  it("unknown memory ids are 404 E_NOT_FOUND", async () => {
    expectError(await rest(relay.url, "GET", `${path}/no-such-memory`), 404, "E_NOT_FOUND");
    expectError(await rest(relay.url, "GET", `/v1/memories/no-such-memory/history`), 404, "E_NOT_FOUND");
    expectError(await rest(relay.url, "GET", `/v1/sessions/${uid("nosuch")}`), 404, "E_NOT_FOUND");
  });
});

describe("pair isolation", () => {
  const a = newPair("iso-a");
  const b: Pair = { endUserId: a.endUserId, characterId: uid("iso-npc-b") };
  const c: Pair = { endUserId: uid("iso-user-c"), characterId: a.characterId };
  let aId: string;

  beforeAll(async () => {
    const r = await rest(relay.url, "POST", pairPath(a), { memories: ["The user is afraid of spiders."] });
    aId = r.body.results[0].id;
  });

  it("a pair's memories never appear in another pair's list, and the same text adds separately", async () => {
    expect(await listAll(relay.url, b)).toEqual([]);
    expect(await listAll(relay.url, c)).toEqual([]);
    const r = await rest(relay.url, "POST", pairPath(b), { memories: ["The user is afraid of spiders."] });
    expect(r.body.results[0]).toMatchObject({ event: "add" });
    expect(r.body.results[0].id).not.toBe(aId);
    expect((await listAll(relay.url, a)).map((m) => m.id)).toEqual([aId]);
  });

  it("a memory cannot be read, changed or deleted through another pair's path", async () => {
    expectError(await rest(relay.url, "GET", `${pairPath(c)}/${aId}`), 404, "E_NOT_FOUND");
    expectError(await rest(relay.url, "PATCH", `${pairPath(c)}/${aId}`, { memory: "The user loves spiders." }), 404, "E_NOT_FOUND");
    expectError(await rest(relay.url, "DELETE", `${pairPath(b)}/${aId}`), 404, "E_NOT_FOUND");
    expect((await rest(relay.url, "GET", `${pairPath(a)}/${aId}`)).body).toMatchObject({ memory: "The user is afraid of spiders." });
  });

  it("a session of another pair never injects them", async () => {
    const s = await connectClient(relay.url, authFor(c));
    try {
      expect(s.memories).toMatchObject({ memories: [], total: 0 });
      expect(s.memories.context).not.toMatch(/spiders/);
    } finally { s.close(); }
  });
});

describe("errors", () => {
  const pair = newPair("err");
  const path = pairPath(pair);

  it.each([
    ["no memories field", {}],
    ["memories not an array", { memories: "The user likes tea." }],
    ["memories empty", { memories: [] }],
    ["a memory that is blank", { memories: ["   "] }],
    ["a memory that is a number", { memories: [42] }],
    ["pinned not a boolean", { memories: ["The user likes tea."], pinned: "yes" }],
    ["metadata an array", { memories: ["The user likes tea."], metadata: ["x"] }],
    ["a body that is an array", ["The user likes tea."]],
    ["a body that is a string", "The user likes tea."],
  ] as [string, unknown][])("POST with %s is 400 E_BAD_REQUEST", async (_name, body) => {
    expectError(await rest(relay.url, "POST", path, body), 400, "E_BAD_REQUEST");
  });

  it("POST over the limits is refused (400 or 413)", async () => {
    for (const body of [
      { memories: ["x".repeat(LIMITS.memoryChars + 1)] },
      { memories: Array.from({ length: LIMITS.memoriesPerAdd + 1 }, (_, i) => `The user has fact number ${i}.`) },
      { memories: ["The user likes tea."], metadata: { blob: "x".repeat(LIMITS.memoryMetadataBytes) } },
    ]) {
      const r = await rest(relay.url, "POST", path, body);
      expect([400, 413], r.text).toContain(r.status);
      expect(["E_BAD_REQUEST", "E_TOO_LARGE"]).toContain(r.body?.code);
    }
    expect(await listAll(relay.url, pair)).toEqual([]);
  });

  it("invalid JSON is 400 E_BAD_REQUEST", async () => {
    expectError(await rest(relay.url, "POST", path, undefined, { raw: '{"memories": ["unterminated' }), 400, "E_BAD_REQUEST");
    expectError(await rest(relay.url, "POST", path, undefined, { raw: "" }), 400, "E_BAD_REQUEST");
  });

  it("PATCH with nothing to change or wrong types is 400 E_BAD_REQUEST", async () => {
    const id = (await rest(relay.url, "POST", path, { memories: ["The user likes tea."] })).body.results[0].id;
    for (const body of [{}, { pinned: "yes" }, { memory: "" }, { memory: 5 }, { metadata: "x" }]) {
      expectError(await rest(relay.url, "PATCH", `${path}/${id}`, body), 400, "E_BAD_REQUEST");
    }
    expect((await rest(relay.url, "GET", `${path}/${id}`)).body).toMatchObject({ memory: "The user likes tea.", pinned: false });
  });

  it("bad paging parameters are 400 E_BAD_REQUEST", async () => {
    for (const q of ["page=0", "page=-1", "pageSize=0", `pageSize=${LIMITS.pageSize + 1}`, "page=abc"]) {
      expectError(await rest(relay.url, "GET", `${path}?${q}`), 400, "E_BAD_REQUEST");
    }
  });

  it("ids in paths that are not Ids are 400 E_BAD_REQUEST", async () => {
    expectError(await rest(relay.url, "GET", `/v1/users/jordan%20kim/characters/npc/memories`), 400, "E_BAD_REQUEST");
    expectError(await rest(relay.url, "POST", `/v1/users/${"x".repeat(LIMITS.idLength + 1)}/characters/npc/memories`, { memories: ["The user likes tea."] }), 400, "E_BAD_REQUEST");
  });

  it("malformed percent-encoding in a path is 400 E_BAD_REQUEST, never a 500", async () => {
    for (const p of ["/v1/users/%E0%A4%A/characters/npc/memories", "/v1/memories/%E0%A4%A/history", "/v1/sessions/%ZZ"]) {
      expectError(await rest(relay.url, "GET", p), 400, "E_BAD_REQUEST");
    }
  });

  it("a body over the cap is 413 E_TOO_LARGE, and the next request on the same keep-alive connection is answered", async () => {
    // one pooled connection, as a browser or an HTTP client library reuses it
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const call = (method: string, p: string, body?: string) => new Promise<{ status: number; text: string } | string>((resolve) => {
      const r = http.request(relay.url + p, {
        method, agent, timeout: 3_000,
        headers: body === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      }, (res) => {
        let text = "";
        res.on("data", (d) => { text += d; });
        res.on("end", () => resolve({ status: res.statusCode!, text }));
      });
      r.on("timeout", () => { r.destroy(); resolve("no answer in 3 s"); });
      r.on("error", (e) => resolve(`error ${e.message}`));
      r.end(body);
    });
    try {
      const big = await call("POST", path, JSON.stringify({ memories: ["x".repeat(3 * LIMITS.payloadBytes)] }));
      expect(big).toMatchObject({ status: 413 });
      expect(JSON.parse((big as { text: string }).text)).toMatchObject({ code: "E_TOO_LARGE" });
      for (let i = 0; i < 3; i++) expect(await call("GET", "/v1/health"), `request ${i + 1} after the 413`).toMatchObject({ status: 200 });
    } finally { agent.destroy(); }
  });

  it("an unknown route is 404 E_NOT_FOUND", async () => {
    expectError(await rest(relay.url, "GET", "/v1/nothing-here"), 404, "E_NOT_FOUND");
    expectError(await rest(relay.url, "GET", "/v2/health"), 404, "E_NOT_FOUND");
    expectError(await rest(relay.url, "POST", "/v1/users/u/characters/c/nonsense", { memories: ["x"] }), 404, "E_NOT_FOUND");
  });
});

describe("sessions over REST", () => {
  const pair = newPair("rsess");

  it("GET /v1/sessions/:id shows a socket session with its turns, status and results", async () => {
    const sessionId = uid("s");
    const c = await connectClient(relay.url, authFor(pair, sessionId));
    const script = turns("My name is Morgan.", ["character", "Hi Morgan."], "I live in Tallinn.");
    try {
      expect(await emit(c.socket, "transcript", { sessionId, turns: script.slice(0, 2) })).toEqual({ ok: true, received: 2 });
      const open = await getSession(relay.url, sessionId);
      expect(open.status).toBe(200);
      expect(open.body).toMatchObject({ sessionId, endUserId: pair.endUserId, characterId: pair.characterId, status: "open", turns: 2, results: [] });
      await emit(c.socket, "transcript", { sessionId, turns: script });
      await emit(c.socket, "session:end", { sessionId, turnCount: 3 });
    } finally { c.close(); }
    const done = await waitForStatus(relay.url, sessionId);
    expect(done).toMatchObject({ sessionId, endUserId: pair.endUserId, characterId: pair.characterId, status: "processed", turns: 3 });
    expect(done.results.some((r: any) => r.event === "add" && /Tallinn/.test(r.memory))).toBe(true);
    const ids = (await listAll(relay.url, pair)).map((m) => m.id);
    for (const r of done.results.filter((r: any) => r.event === "add")) expect(ids).toContain(r.id);
  });

  describe("POST /v1/sessions/:id/transcript (the page-hide path)", () => {
    const sessionId = uid("s-hide");
    const script = turns("My name is Rowan.", ["character", "Welcome, Rowan."], "I live in Hobart.", "I work as a pharmacist.");
    const post = (body: unknown, id = sessionId) => rest(relay.url, "POST", `/v1/sessions/${id}/transcript`, body);
    const body = (t: unknown[], extra: Record<string, unknown> = {}) => ({ endUserId: pair.endUserId, characterId: pair.characterId, turns: t, ...extra });

    it("stores turns idempotently, like the socket event", async () => {
      const r1 = await post(body(script.slice(0, 2)));
      expect(r1.status, r1.text).toBe(200);
      expect(r1.body.received).toBe(2);
      if ("ok" in r1.body) expect(r1.body.ok).toBe(true);
      expect((await post(body(script.slice(0, 2)))).body.received).toBe(2);
      expect((await post(body([script[1], script[2]]))).body.received).toBe(3);
      expect((await getSession(relay.url, sessionId)).body).toMatchObject({ endUserId: pair.endUserId, characterId: pair.characterId, turns: 3, status: "open" });
    });

    it("a navigator.sendBeacon body (content-type text/plain) is accepted", async () => {
      const r = await rest(relay.url, "POST", `/v1/sessions/${sessionId}/transcript`, undefined, {
        raw: JSON.stringify(body(script.slice(0, 3))), headers: { "content-type": "text/plain;charset=UTF-8" },
      });
      expect(r.status, r.text).toBe(200);
      expect(r.body.received).toBe(3);
    });

    it("the same seq with other text is 409 E_CONFLICT", async () => {
      expectError(await post(body([{ ...script[0], text: "My name is Sam." }])), 409, "E_CONFLICT");
      expect((await getSession(relay.url, sessionId)).body.turns).toBe(3);
    });

    it("another identity is 403 E_FORBIDDEN", async () => {
      expectError(await post({ ...body([script[3]]), endUserId: uid("intruder") }), 403, "E_FORBIDDEN");
      expectError(await post({ ...body([script[3]]), characterId: uid("npc") }), 403, "E_FORBIDDEN");
      expect((await getSession(relay.url, sessionId)).body.turns).toBe(3);
    });

    it("bad bodies are 400 E_BAD_REQUEST", async () => {
      expectError(await post({ characterId: pair.characterId, turns: [] }), 400, "E_BAD_REQUEST");
      expectError(await post(body([{ ...script[3], seq: -1 }])), 400, "E_BAD_REQUEST");
      expectError(await post(body([{ ...script[3], role: "narrator" }])), 400, "E_BAD_REQUEST");
      expectError(await post(body("nope" as any)), 400, "E_BAD_REQUEST");
      expectError(await post(body([script[3]]), "bad id"), 400, "E_BAD_REQUEST");
      expectError(await rest(relay.url, "POST", `/v1/sessions/${sessionId}/transcript`, undefined, { raw: "{not json" }), 400, "E_BAD_REQUEST");
    });

    it("the socket finishes what the page-hide path started, and the socket's turns count with the REST ones", async () => {
      const c = await connectClient(relay.url, authFor(pair));
      try {
        expect(await emit(c.socket, "transcript", { sessionId, turns: [script[2], script[3]] })).toEqual({ ok: true, received: 4 });
        expect(["queued", "processed"]).toContain((await emit(c.socket, "session:end", { sessionId, turnCount: 4 })).status);
      } finally { c.close(); }
      const done = await waitForStatus(relay.url, sessionId);
      expect(done.turns).toBe(4);
      expect((await listAll(relay.url, pair)).some((m) => /Hobart/.test(m.memory))).toBe(true);
    });
  });
});

describe("with KEEPSAKE_ADMIN_KEY", () => {
  const pair = newPair("admin");
  const path = pairPath(pair);
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  it("REST without a bearer or with a wrong one is 401 E_UNAUTHORIZED", async () => {
    expectError(await rest(guarded.url, "GET", path), 401, "E_UNAUTHORIZED");
    expectError(await rest(guarded.url, "POST", path, { memories: ["The user likes tea."] }), 401, "E_UNAUTHORIZED");
    expectError(await rest(guarded.url, "GET", path, undefined, { headers: bearer("wrong-key") }), 401, "E_UNAUTHORIZED");
    expectError(await rest(guarded.url, "GET", path, undefined, { headers: { authorization: ADMIN_KEY } }), 401, "E_UNAUTHORIZED");
    expectError(await rest(guarded.url, "DELETE", path, undefined, { headers: bearer(ADMIN_KEY + "x") }), 401, "E_UNAUTHORIZED");
    expectError(await rest(guarded.url, "GET", `/v1/sessions/${uid("s")}`), 401, "E_UNAUTHORIZED");
  });

  it("refused requests change nothing", async () => {
    const r = await rest(guarded.url, "GET", path, undefined, { headers: bearer(ADMIN_KEY) });
    expect(r.status, r.text).toBe(200);
    expect(r.body.total).toBe(0);
  });

  it("the end-user paths need no admin key in open mode: sockets connect and the page-hide transcript is stored", async () => {
    const sessionId = uid("s-guarded");
    const c = await connectClient(guarded.url, authFor(pair, sessionId));
    try {
      expect(await emit(c.socket, "transcript", { sessionId, turns: turns("Hello.") })).toEqual({ ok: true, received: 1 });
    } finally { c.close(); }
    // navigator.sendBeacon cannot set an Authorization header: the body identifies the session, as the handshake does
    const hide = await rest(guarded.url, "POST", `/v1/sessions/${sessionId}/transcript`, { ...pair, turns: turns("Hello.", "Goodbye.") });
    expect(hide.status, hide.text).toBe(200);
    expect(hide.body.received).toBe(2);
  });

  it("with the right key everything works", async () => {
    const add = await rest(guarded.url, "POST", path, { memories: ["The user likes tea."] }, { headers: bearer(ADMIN_KEY) });
    expect(add.status, add.text).toBe(200);
    expect(add.body.results[0].event).toBe("add");
    const list = await rest(guarded.url, "GET", path, undefined, { headers: bearer(ADMIN_KEY) });
    expect(list.status).toBe(200);
    expect(list.body.memories.map((m: any) => m.memory)).toEqual(["The user likes tea."]);
    const del = await rest(guarded.url, "DELETE", `${path}/${add.body.results[0].id}`, undefined, { headers: bearer(ADMIN_KEY) });
    expect(del.body).toEqual({ deleted: true, id: add.body.results[0].id });
  });
});

describe("pushes after REST edits", () => {
  const pair = newPair("push");
  const bystander = newPair("push-other");

  it("a connected socket of the pair gets memories:updated on add, patch and delete; another pair's socket gets none", async () => {
    const watcher = await connectClient(relay.url, authFor(pair));
    const other = await connectClient(relay.url, authFor(bystander));
    try {
      let mark = watcher.events.length;
      const add = await rest(relay.url, "POST", pairPath(pair), { memories: ["The user sails a catamaran."] });
      const id = add.body.results[0].id;
      let u = await watcher.next("memories:updated", (p) => p.memories.some((m: any) => m.id === id), 5_000, mark);
      expect(u).toMatchObject({ total: 1, context: expect.stringContaining("catamaran") });

      mark = watcher.events.length;
      await rest(relay.url, "PATCH", `${pairPath(pair)}/${id}`, { memory: "The user sails a trimaran." });
      u = await watcher.next("memories:updated", (p) => p.memories.some((m: any) => m.memory === "The user sails a trimaran."), 5_000, mark);
      expect(u.context).toContain("trimaran");

      mark = watcher.events.length;
      await rest(relay.url, "DELETE", `${pairPath(pair)}/${id}`);
      u = await watcher.next("memories:updated", (p) => p.total === 0, 5_000, mark);
      expect(u.memories).toEqual([]);

      expect(other.events.filter((e) => e.event === "memories:updated")).toEqual([]);
    } finally { watcher.close(); other.close(); }
  });
});

describe("character knowledge and shared stores", () => {
  const characterId = uid("shared-npc");
  const store = uid("guild");

  it("character memories are read by every user of the character; store memories only by sockets of that store", async () => {
    const ck = await rest(relay.url, "POST", `/v1/characters/${characterId}/memories`, { memories: ["The blacksmith's forge is in the east quarter."] });
    expect(ck.status, ck.text).toBe(200);
    expect(ck.body.results[0].event).toBe("add");
    const st = await rest(relay.url, "POST", `/v1/stores/${store}/memories`, { memories: ["The guild meets every full moon."] });
    expect(st.status, st.text).toBe(200);
    expect((await rest(relay.url, "GET", `/v1/stores/${store}/memories`)).body).toMatchObject({ total: 1 });
    expect((await rest(relay.url, "GET", `/v1/characters/${characterId}/memories`)).body).toMatchObject({ total: 1 });

    const plain = await connectClient(relay.url, authFor({ endUserId: uid("u"), characterId }));
    const member = await connectClient(relay.url, authFor({ endUserId: uid("u"), characterId }, uid("s"), { memoryStores: [store] }));
    try {
      const texts = (c: typeof plain) => c.memories.memories.map((m: any) => m.memory);
      expect(texts(plain)).toEqual(["The blacksmith's forge is in the east quarter."]);
      expect(plain.memories.context).toContain("east quarter");
      expect(plain.memories.context).not.toContain("full moon");
      expect([...texts(member)].sort()).toEqual(["The blacksmith's forge is in the east quarter.", "The guild meets every full moon."]);
      expect(member.memories.context).toContain("full moon");
      const scopes = member.memories.memories.map((m: any) => m.scope.kind).sort();
      expect(scopes).toEqual(["character", "store"]);
    } finally { plain.close(); member.close(); }
  });
});

describe("end users", () => {
  const endUserId = uid("erase-user");
  const a: Pair = { endUserId, characterId: uid("erase-npc-a") };
  const b: Pair = { endUserId, characterId: uid("erase-npc-b") };
  const keep = newPair("erase-keep");
  let sessionId: string;

  beforeAll(async () => {
    sessionId = uid("s-erase");
    const c = await connectClient(relay.url, authFor(a, sessionId, { metadata: { name: "Jordan" } }));
    try {
      await emit(c.socket, "transcript", { sessionId, turns: turns("I live in Quito.") });
      await emit(c.socket, "session:end", { sessionId, turnCount: 1 });
    } finally { c.close(); }
    await waitForStatus(relay.url, sessionId);
    await rest(relay.url, "POST", pairPath(b), { memories: ["The user rides a unicycle."] });
    await rest(relay.url, "POST", pairPath(keep), { memories: ["The user rides a unicycle."] });
  });

  it("GET /v1/users lists end users with their metadata, in cursor pages", async () => {
    const seen: any[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 1000; i++) {
      const r = await rest(relay.url, "GET", `/v1/users?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(r.status, r.text).toBe(200);
      expect(r.body.users.length).toBeLessThanOrEqual(2);
      seen.push(...r.body.users);
      cursor = r.body.nextCursor ?? undefined;
      if (!cursor) break;
    }
    expect(new Set(seen.map((u) => u.endUserId)).size).toBe(seen.length);
    const me = seen.find((u) => u.endUserId === endUserId);
    expect(me).toMatchObject({ endUserId, metadata: { name: "Jordan" } });
    expect(Number.isNaN(Date.parse(me.lastActiveAt))).toBe(false);
  });

  it("GET /v1/users/:id/export holds every memory and session of that user", async () => {
    const r = await rest(relay.url, "GET", `/v1/users/${endUserId}/export`);
    expect(r.status, r.text).toBe(200);
    const ids = [...(await listAll(relay.url, a)), ...(await listAll(relay.url, b))].map((m) => m.id);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    for (const id of ids) expect(r.text).toContain(id);
    expect(r.text).toContain(sessionId);
    expect(r.text).toContain("Quito");
    expect(r.text).not.toContain(keep.endUserId);
  });

  it("DELETE /v1/users/:id erases that user's memories and transcripts for every character, and nobody else's", async () => {
    const r = await rest(relay.url, "DELETE", `/v1/users/${endUserId}`);
    expect(r.status, r.text).toBe(200);
    expect(await listAll(relay.url, a)).toEqual([]);
    expect(await listAll(relay.url, b)).toEqual([]);
    expectError(await getSession(relay.url, sessionId), 404, "E_NOT_FOUND");
    expect((await listAll(relay.url, keep)).map((m) => m.memory)).toEqual(["The user rides a unicycle."]);
  });
});

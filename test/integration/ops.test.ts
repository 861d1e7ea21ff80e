// Operations, against the real relay process: GET /metrics in Prometheus's text format after a
// processed session and a few refusals; the log as JSON lines with levels (KEEPSAKE_LOG_LEVEL,
// KEEPSAKE_LOG_FORMAT); GET /v1/openapi.json against the router's own routes, the protocol's
// schemas, and every route's real answer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";
import {
  AddMemoriesBody, CharacterSettings, ERROR_CODES, PageQuery, PatchMemoryBody, SESSION_STATUSES, TranscriptRestBody, UsersQuery,
} from "../../sdk/src/protocol.ts";
import { jsonSchema } from "../../relay/openapi.ts";
import { type RestRoute, restRoutes } from "../helpers/isolation.ts";
import { type Relay, startRelay, waitFor } from "../helpers/relay.ts";
import { ADMIN_KEY } from "../helpers/tokens.ts";
import { authFor, type Client, connectClient, emit, newPair, rest, turns, uid } from "../helpers/wire.ts";

const admin = { authorization: `Bearer ${ADMIN_KEY}` };

// ---- Prometheus's text format (0.0.4), parsed strictly enough to fail on a malformed line ----

interface Sample { name: string; labels: Record<string, string>; value: number }

function parsePrometheus(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>(), samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim() || line.startsWith("# HELP ")) continue;
    const type = /^# TYPE ([a-zA-Z_:][\w:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) { types.set(type[1], type[2]); continue; }
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus line: ${line}`);
    const labels: Record<string, string> = {};
    const pairs = m[2] ? m[2].match(/(\w+)="((?:[^"\\]|\\.)*)"/g) ?? [] : [];
    if (m[2] && pairs.join(",") !== m[2].replace(/,$/, "")) throw new Error(`malformed labels: ${line}`);
    for (const p of pairs) { const [, k, v] = /(\w+)="(.*)"/.exec(p)!; labels[k] = v; }
    const value = m[3] === "+Inf" ? Infinity : m[3] === "-Inf" ? -Infinity : Number(m[3]);
    // (a value is what Go's ParseFloat reads, as Prometheus says: "NaN" in any case; prom-client writes an
    // event-loop lag not yet sampled as "Nan", which failed this once)
    if (Number.isNaN(value) && m[3].toLowerCase() !== "nan") throw new Error(`not a number: ${line}`);
    const family = m[1].replace(/_(bucket|sum|count)$/, "");
    if (!types.has(m[1]) && types.get(family) !== "histogram") throw new Error(`sample before its # TYPE: ${line}`);
    samples.push({ name: m[1], labels, value });
  }
  return { types, samples };
}

const pick = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
const one = (samples: Sample[], name: string, labels: Record<string, string> = {}) => {
  const found = pick(samples, name, labels);
  expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
  return found[0].value;
};

/** Every line the relay printed, as the JSON objects they must be. */
/** every line but the launch line, which is plain text in every format (PROTOCOL.md fixes it) */
const jsonLines = (r: Relay) => r.log().split("\n").filter((l) => l.trim() && !l.startsWith("keepsake relay listening on ")).map((l) => {
  try { return JSON.parse(l); } catch { throw new Error(`a log line that is not JSON: ${l}`); }
});

let relay: Relay, debug: Relay, quiet: Relay;
let routes: RestRoute[];
beforeAll(async () => {
  [relay, debug, quiet, routes] = await Promise.all([
    startRelay({ env: { KEEPSAKE_ADMIN_KEY: ADMIN_KEY } }),
    startRelay({ env: { KEEPSAKE_LOG_LEVEL: "debug" } }),
    startRelay({ env: { KEEPSAKE_LOG_LEVEL: "warn", KEEPSAKE_LOG_FORMAT: "text" } }),
    restRoutes(),
  ]);
}, 60_000);
afterAll(async () => { await Promise.all([relay?.stop(), debug?.stop(), quiet?.stop()]); });

/** A player's session shipped, ended and processed; the connection stays open. */
async function processedSession(url: string): Promise<{ client: Client; sessionId: string; pair: ReturnType<typeof newPair> }> {
  const pair = newPair("ops"), sessionId = uid("s");
  const client = await connectClient(url, authFor(pair, sessionId));
  const list = turns("Hi, I'm Jordan Kim. I live in Denver.", ["character", "Welcome, Jordan!"], "I work as a welder and I love coffee.");
  expect(await emit(client.socket, "transcript", { sessionId, turns: list })).toMatchObject({ ok: true });
  expect(await emit(client.socket, "session:end", { sessionId, turnCount: list.length })).toMatchObject({ ok: true });
  await client.next("session:processed", (p) => p.sessionId === sessionId, 20_000);
  return { client, sessionId, pair };
}

describe("GET /metrics", () => {
  it("is the admin's: without the key 401, with it Prometheus's text format", async () => {
    const anonymous = await rest(relay.url, "GET", "/metrics");
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ code: "E_UNAUTHORIZED" });
    const res = await fetch(`${relay.url}/metrics`, { headers: admin });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  });

  it("after a processed session and a few refusals: connections, sessions by status, memories, extraction latency, errors by code", async () => {
    const { client, pair } = await processedSession(relay.url);
    try {
      // refusals: two unknown events and an over-long search on the socket, a route that does not exist over REST
      expect(await emit(client.socket, "memory:forget", {})).toMatchObject({ ok: false, error: { code: "E_BAD_REQUEST" } });
      expect(await emit(client.socket, "memory:forget", {})).toMatchObject({ ok: false, error: { code: "E_BAD_REQUEST" } });
      expect(await emit(client.socket, "memory:search", { query: "x".repeat(501) })).toMatchObject({ ok: false, error: { code: "E_TOO_LARGE" } });
      expect((await rest(relay.url, "GET", "/v1/nowhere", undefined, { headers: admin })).status).toBe(404);
      const stored = await rest(relay.url, "GET", `/v1/users/${pair.endUserId}/characters/${pair.characterId}/memories`, undefined, { headers: admin });
      expect(stored.body.total).toBeGreaterThan(0);

      const text = await (await fetch(`${relay.url}/metrics`, { headers: admin })).text();
      const { types, samples } = parsePrometheus(text);
      expect(types.get("keepsake_connections")).toBe("gauge");
      expect(one(samples, "keepsake_connections")).toBe(1);

      expect(types.get("keepsake_sessions")).toBe("gauge");
      expect(pick(samples, "keepsake_sessions").map((s) => s.labels.status).sort()).toEqual([...SESSION_STATUSES].sort());
      expect(one(samples, "keepsake_sessions", { status: "processed" })).toBe(1);
      expect(one(samples, "keepsake_sessions", { status: "open" })).toBe(0);

      expect(types.get("keepsake_memories")).toBe("gauge");
      expect(one(samples, "keepsake_memories", { scope: "pair" })).toBe(stored.body.total);
      expect(one(samples, "keepsake_memories", { scope: "store" })).toBe(0);
      expect(one(samples, "keepsake_extracted_memory_events_total", { event: "add" })).toBe(stored.body.total);

      // one extraction, by the built-in extractor: its buckets are cumulative and end at the count
      expect(types.get("keepsake_extraction_duration_seconds")).toBe("histogram");
      for (const family of ["keepsake_extraction_duration_seconds", "keepsake_session_end_to_processed_seconds"]) {
        const labels: Record<string, string> = family.includes("extraction_duration") ? { extractor: "builtin" } : {};
        expect(one(samples, `${family}_count`, labels), family).toBe(1);
        const sum = one(samples, `${family}_sum`, labels);
        expect(sum).toBeGreaterThan(0);
        expect(sum).toBeLessThan(20);
        const buckets = pick(samples, `${family}_bucket`, labels);
        expect(buckets.at(-1)!.labels.le).toBe("+Inf");
        expect(buckets.at(-1)!.value).toBe(1);
        for (let i = 1; i < buckets.length; i++) expect(buckets[i].value).toBeGreaterThanOrEqual(buckets[i - 1].value);
        expect(Number(buckets.find((b) => b.value === 1)!.labels.le)).toBeGreaterThanOrEqual(sum);
      }

      expect(types.get("keepsake_errors_total")).toBe("counter");
      expect(pick(samples, "keepsake_errors_total").length).toBe(ERROR_CODES.length * 2);
      expect(one(samples, "keepsake_errors_total", { code: "E_BAD_REQUEST", transport: "socket" })).toBe(2);
      expect(one(samples, "keepsake_errors_total", { code: "E_TOO_LARGE", transport: "socket" })).toBe(1);
      expect(one(samples, "keepsake_errors_total", { code: "E_NOT_FOUND", transport: "rest" })).toBe(1);
      expect(one(samples, "keepsake_errors_total", { code: "E_INTERNAL", transport: "rest" })).toBe(0);
      expect(one(samples, "keepsake_extraction_failures_total")).toBe(0);

      // the process's own
      expect(one(samples, "process_cpu_seconds_total")).toBeGreaterThan(0);
      expect(one(samples, "process_resident_memory_bytes")).toBeGreaterThan(10 * 2 ** 20);
    } finally {
      client.close();
    }
    // the connection gauge follows the socket (once the relay has seen it close)
    await waitFor(async () => {
      const after = parsePrometheus(await (await fetch(`${relay.url}/metrics`, { headers: admin })).text());
      return one(after.samples, "keepsake_connections") === 0;
    }, 5_000);
  });
});

describe("logs", () => {
  it("are one JSON object a line ({ level, time, msg, ...fields }) when not at a terminal, from info up by default", async () => {
    const lines = jsonLines(relay);
    for (const l of lines) {
      expect(["info", "warn", "error"]).toContain(l.level);
      expect(Number.isNaN(Date.parse(l.time))).toBe(false);
      expect(typeof l.msg).toBe("string");
    }
    // the launch line is the protocol's, word for word, on a line of its own
    expect(relay.log().split("\n")).toContain(`keepsake relay listening on ${relay.url}`);
    expect(lines.find((l) => l.msg.includes("open mode"))).toMatchObject({ level: "warn" });
  });

  it("KEEPSAKE_LOG_LEVEL=debug adds each REST answer (the route, not the path) and each extraction, as JSON", async () => {
    const { client, sessionId, pair } = await processedSession(debug.url);
    client.close();
    expect((await rest(debug.url, "GET", `/v1/users/${pair.endUserId}/characters/${pair.characterId}/memories`)).status).toBe(200);
    // the line follows the answer: wait for it
    const request = await waitFor(() => jsonLines(debug).find((l) => l.level === "debug" && l.route === "/v1/users/:endUserId/characters/:characterId/memories"), 5_000);
    const lines = jsonLines(debug);
    expect(request).toMatchObject({ method: "GET", status: 200, ms: expect.any(Number) });
    expect(JSON.stringify(request)).not.toContain(pair.endUserId);
    expect(lines.find((l) => l.level === "debug" && l.sessionId === sessionId && /processed in \d+ ms/.test(l.msg)))
      .toMatchObject({ extractor: "builtin", changed: expect.any(Number) });
    // and the same session at info level left no debug line
    await processedSession(relay.url).then((s) => s.client.close());
    expect(jsonLines(relay).filter((l) => l.level === "debug")).toEqual([]);
  });

  it("KEEPSAKE_LOG_LEVEL=warn, KEEPSAKE_LOG_FORMAT=text: plain lines, warnings and the launch line only", async () => {
    const lines = quiet.log().trim().split("\n");
    expect(lines).toEqual([
      "keepsake: open mode: anyone who can reach this relay can claim any end-user id; development only",
      `keepsake relay listening on ${quiet.url}`,
    ]);
  });

  it("a level or format that does not exist exits 2 saying which", async () => {
    await expect(startRelay({ env: { KEEPSAKE_LOG_LEVEL: "verbose" } })).rejects.toThrow(/exited with 2[\s\S]*KEEPSAKE_LOG_LEVEL=verbose is not a level: use debug, info, warn, error/);
    await expect(startRelay({ env: { KEEPSAKE_LOG_FORMAT: "yaml" } })).rejects.toThrow(/exited with 2[\s\S]*KEEPSAKE_LOG_FORMAT=yaml is not a format/);
  });
});

describe("GET /v1/openapi.json", () => {
  let doc: any;
  beforeAll(async () => {
    const r = await rest(relay.url, "GET", "/v1/openapi.json");
    expect(r.status, r.text).toBe(200);
    doc = r.body;
  });
  const op = (method: string, path: string) => doc.paths[path.replace(/:(\w+)/g, "{$1}")]?.[method.toLowerCase()];

  it("is public, the same for anyone, and OpenAPI 3.1", async () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect((await rest(relay.url, "GET", "/v1/openapi.json", undefined, { headers: admin })).body).toEqual(doc);
  });

  it("has exactly the router's routes, each with its method, path template and who may call it", () => {
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)).sort();
    expect(documented).toEqual(routes.map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`).sort());
    const security = { public: [], player: [{ adminKey: [] }, { endUserToken: [] }], admin: [{ adminKey: [] }] };
    for (const r of routes) {
      const o = op(r.method, r.path);
      expect(o.summary, `${r.method} ${r.path}`).not.toBe("undocumented");
      expect(o.security, `${r.method} ${r.path}`).toEqual(security[r.access]);
      // every path parameter, and only those
      const params = (o.parameters ?? []).filter((p: any) => p.in === "path").map((p: any) => p.name);
      expect(params).toEqual([...r.path.matchAll(/:(\w+)/g)].map((m) => m[1]));
    }
  });

  it("request bodies and queries are the protocol's schemas the routes validate with", () => {
    const BODIES: Record<string, z.core.$ZodType> = { POST: AddMemoriesBody, PATCH: PatchMemoryBody };
    for (const r of routes) {
      const o = op(r.method, r.path);
      const expected = r.path.endsWith("/transcript") ? TranscriptRestBody
        : r.path.endsWith("/settings") && r.method === "PUT" ? CharacterSettings
        : r.path.includes("/memories") && !r.path.endsWith("/history") ? BODIES[r.method] : undefined;
      const body = o.requestBody?.content["application/json"].schema;
      if (expected) expect(body, `${r.method} ${r.path}`).toEqual(jsonSchema(expected, "input"));
      else expect(body, `${r.method} ${r.path}`).toBeUndefined();
      const query = (o.parameters ?? []).filter((p: any) => p.in === "query");
      const q = r.method === "GET" && r.path.endsWith("/memories") ? PageQuery : r.method === "GET" && r.path === "/v1/users" ? UsersQuery : undefined;
      expect(Object.fromEntries(query.map((p: any) => [p.name, p.schema])), `${r.method} ${r.path}`)
        .toEqual(q ? (jsonSchema(q, "input") as { properties: unknown }).properties : {});
    }
  });

  it("every route's real answer matches its documented schema (and a wrong one would not)", async () => {
    const answered = new Set<string>();
    let record: Record<string, unknown> = {};
    const check = async (method: string, template: string, path: string, body?: unknown, headers: Record<string, string> = admin) => {
      const r = await rest(relay.url, method, path, body, { headers });
      expect(r.status, `${method} ${path}: ${r.text}`).toBe(200);
      const schema = z.fromJSONSchema(op(method, template).responses[200].content["application/json"].schema);
      const parsed = schema.safeParse(r.body);
      expect(parsed.success, `${method} ${template}: ${parsed.error?.message} in ${r.text.slice(0, 500)}`).toBe(true);
      answered.add(`${method} ${template}`);
      return r.body;
    };
    const { client, sessionId, pair } = await processedSession(relay.url);
    client.close();
    const scopes: [string, string][] = [
      ["/v1/users/:endUserId/characters/:characterId/memories", `/v1/users/${pair.endUserId}/characters/${pair.characterId}/memories`],
      ["/v1/stores/:store/memories", `/v1/stores/${uid("guild")}/memories`],
      ["/v1/characters/:characterId/memories", `/v1/characters/${pair.characterId}/memories`],
    ];
    for (const [template, path] of scopes) {
      const { results } = await check("POST", template, path, { memories: ["The tavern opens at dusk."] });
      const id = results[0].id;
      const page = await check("GET", template, path);
      expect(page.total).toBeGreaterThan(0);
      record = await check("GET", `${template}/:id`, `${path}/${id}`);
      await check("PATCH", `${template}/:id`, `${path}/${id}`, { pinned: true, memory: "The tavern opens at dawn." });
      if (template.startsWith("/v1/users")) await check("GET", "/v1/memories/:id/history", `/v1/memories/${id}/history`);
      await check("DELETE", `${template}/:id`, `${path}/${id}`);
      await check("DELETE", template, path);
    }
    await check("GET", "/v1/health", "/v1/health", undefined, {});
    await check("GET", "/v1/openapi.json", "/v1/openapi.json", undefined, {});
    await check("GET", "/v1/sessions/:sessionId", `/v1/sessions/${sessionId}`);
    await check("POST", "/v1/sessions/:sessionId/transcript", `/v1/sessions/${uid("s")}/transcript`, { ...pair, turns: turns("I collect old maps.") }, {});
    await check("GET", "/v1/users", "/v1/users?limit=5");
    await check("GET", "/v1/users/:endUserId/export", `/v1/users/${pair.endUserId}/export`);
    await check("PUT", "/v1/characters/:characterId/settings", `/v1/characters/${pair.characterId}/settings`, { injectLimit: 20 });
    await check("GET", "/v1/characters/:characterId/settings", `/v1/characters/${pair.characterId}/settings`);
    await check("DELETE", "/v1/users/:endUserId", `/v1/users/${pair.endUserId}`);
    expect([...answered].sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
    // the documented schemas are strict enough to tell: a memory with a field it does not have, or without one it has, is refused
    const memory = z.fromJSONSchema(op("GET", "/v1/characters/:characterId/memories/:id").responses[200].content["application/json"].schema);
    expect(memory.safeParse(record).success).toBe(true);
    expect(memory.safeParse({ ...record, mood: "happy" }).success).toBe(false);
    expect(memory.safeParse({ ...record, pinned: undefined }).success).toBe(false);
  });
});

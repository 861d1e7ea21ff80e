// Thousands of random and mutated requests at every REST route of docs/PROTOCOL.md (methods, ids that
// are valid, unknown, malformed or badly percent-encoded, query strings, bodies of every shape and
// content type), then every client event and unknown event names with random arguments over
// sockets. Every answer is a well-formed success or a protocol error with its HTTP status, never a
// 500 or E_INTERNAL; nothing malformed is stored; the relay stays up and logs no internal error.
import fc from "fast-check";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";
import {
  ErrorBody, HTTP_STATUS, Id, IsoDate, LIMITS, MemoryAddResult, MemoryEvent, MemoryRecord, SESSION_STATUSES, Turn,
} from "../../sdk/src/protocol.ts";
import { expectRelayAlive } from "../helpers/alive.ts";
import { mutated } from "../helpers/fuzz.ts";
import { startRelay, type Relay } from "../helpers/relay.ts";
import { authFor, connectClient, isWellFormedAck, rest, turn, uid, type Client } from "../helpers/wire.ts";

let relay: Relay;
// the fuzz fires requests and events faster than a client may (limits.test.ts tests the pace): raise the rates
beforeAll(async () => { relay = await startRelay({ env: { KEEPSAKE_EVENTS_PER_SECOND: "100000", KEEPSAKE_REST_PER_SECOND: "100000" } }); });
afterAll(async () => { await relay?.stop(); });

const USERS = [uid("fz-u"), uid("fz-u"), uid("fz-u")];
const CHARS = [uid("fz-c"), uid("fz-c")];
const STORES = [uid("fz-st"), uid("fz-st")];
const enc = encodeURIComponent;

// ---- what a success looks like, per route ----

const Count = z.number().int().min(0);
const HistoryBody = z.object({
  history: z.array(z.object({ event: MemoryEvent, memory: z.string(), previous: z.string().nullable(), at: IsoDate, sessionId: z.string().optional() })).min(1),
});
const SessionBody = z.object({
  sessionId: Id, endUserId: Id, characterId: Id, memoryStores: z.array(Id).optional(),
  status: z.enum(SESSION_STATUSES).refine((s) => s !== "processing"), turns: Count.max(LIMITS.turnsPerSession),
  turnCount: Count.max(LIMITS.turnsPerSession).nullable(), results: z.array(MemoryAddResult), attempts: Count.optional(), error: z.string().optional(),
});
const UserBody = z.object({ endUserId: Id, lastActiveAt: z.string(), metadata: z.record(z.string(), z.unknown()) });
const Settings = z.object({ memoryEnabled: z.boolean() }).strict();
const ListBody = z.object({ memories: z.array(MemoryRecord), total: Count, page: z.number().int().min(1), pageSize: z.number().int().min(1).max(LIMITS.pageSize), hasMore: z.boolean() });

type Param = "u" | "c" | "st" | "m" | "s";
interface Route { name: string; template: string; methods: Record<string, z.core.$ZodType>; body?: fc.Arbitrary<unknown> }

// ---- bodies close to valid, so that many requests get through to the store ----

const iso = fc.date({ min: new Date("2000-01-01"), max: new Date("2040-01-01"), noInvalidDate: true }).map((d) => d.toISOString());
const memoryText = fc.oneof(
  fc.constantFrom("The user likes tea.", "The user owns a red bicycle.", "The user lives in Oslo.", "The user's name is Jordan.", "  padded  "),
  fc.string({ minLength: 1, maxLength: 80 }),
);
const metadata = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
const addBody = fc.record({ memories: fc.array(memoryText, { minLength: 1, maxLength: 4 }), pinned: fc.boolean(), metadata }, { requiredKeys: ["memories"] });
const patchBody = fc.record({ memory: memoryText, pinned: fc.boolean(), metadata }, { requiredKeys: [] });
const aTurn = fc.record({
  seq: fc.integer({ min: 0, max: 12 }), role: fc.constantFrom("user", "character", "event"),
  text: fc.oneof(fc.constantFrom("My name is Avery.", "I live in Lisbon.", "I love jazz."), fc.string({ minLength: 1, maxLength: 60 })),
  at: iso, metadata,
}, { requiredKeys: ["seq", "role", "text", "at"] });
const transcriptBody = fc.record({
  endUserId: fc.constantFrom(...USERS), characterId: fc.constantFrom(...CHARS), memoryStores: fc.constantFrom(STORES.slice(0, 1), STORES),
  turns: fc.array(aTurn, { maxLength: 4 }),
}, { requiredKeys: ["endUserId", "characterId", "turns"] });
const settingsBody = fc.record({ memoryEnabled: fc.boolean() });

const scopeRoutes = (name: string, base: string): Route[] => [
  { name, template: base, methods: { GET: ListBody, POST: z.object({ results: z.array(MemoryAddResult) }), DELETE: z.object({ deleted: Count }) }, body: addBody },
  { name: `${name} item`, template: `${base}/:m`, methods: { GET: MemoryRecord, PATCH: MemoryRecord, DELETE: z.object({ deleted: z.literal(true), id: z.string() }) }, body: patchBody },
];

const ROUTES: Route[] = [
  { name: "health", template: "/v1/health", methods: { GET: z.object({ ok: z.literal(true), version: z.string().min(1) }) } },
  ...scopeRoutes("pair", "/v1/users/:u/characters/:c/memories"),
  ...scopeRoutes("store", "/v1/stores/:st/memories"),
  ...scopeRoutes("character", "/v1/characters/:c/memories"),
  { name: "history", template: "/v1/memories/:m/history", methods: { GET: HistoryBody } },
  { name: "users", template: "/v1/users", methods: { GET: z.object({ users: z.array(UserBody), nextCursor: z.nullable(Id) }) } },
  {
    name: "export", template: "/v1/users/:u/export",
    methods: { GET: z.object({ endUserId: z.string(), lastActiveAt: z.string(), metadata: z.record(z.string(), z.unknown()), memories: z.array(MemoryRecord), sessions: z.array(z.object({ sessionId: Id, transcript: z.array(Turn) }).passthrough()) }) },
  },
  { name: "erase", template: "/v1/users/:u", methods: { DELETE: z.object({ deleted: z.literal(true), endUserId: z.string(), memories: Count, sessions: Count }) } },
  { name: "session", template: "/v1/sessions/:s", methods: { GET: SessionBody } },
  { name: "transcript", template: "/v1/sessions/:s/transcript", methods: { POST: z.object({ received: Count.max(LIMITS.turnsPerSession) }).passthrough() }, body: transcriptBody },
  { name: "settings", template: "/v1/characters/:c/settings", methods: { GET: Settings, PUT: Settings }, body: settingsBody },
];
const ROUTE_RE = ROUTES.map((r) => new RegExp(`^${r.template.replace(/:\w+/g, "[^/]+")}$`));
/** The route an actual request path reaches (after fetch's normalization), or undefined. */
const routeOf = (pathname: string) => ROUTES.find((_r, i) => ROUTE_RE[i].test(pathname));

// ---- mutations and hostile values ----

/** what a mutation puts in place of a part: anything, or a value past a limit */
const HOSTILE = fc.oneof(fc.anything(), fc.constant("x".repeat(5000)), fc.constant(-1), fc.constant(null));

const safeEncode = (s: string) => { try { return enc(s); } catch { return "%ED%A0%80"; } };
const badSegment = fc.oneof(
  fc.constantFrom(
    "%20", "a%20b", "%2F", "a%2Fb", "%", "%Z", "%ZZ", "%E0%A4%A", "%00", "%C3%A9t%C3%A9", "%F0%9F%98%80", "%ED%A0%80", "%FF%FE",
    "..", ".", "%2E%2E", "__proto__", "constructor", "null", "undefined", "x".repeat(LIMITS.idLength + 1), "%27%20or%201%3D1%20--",
    "%22%3E%3Cscript%3E", "*", "a;b", "a,b", "a+b", "%2B", "%u0041", "a%", "%%", "x".repeat(5000),
  ),
  fc.string({ maxLength: 30 }).map(safeEncode),
  fc.string({ unit: "binary", maxLength: 12 }).map(safeEncode),
  fc.stringMatching(/^[A-Za-z0-9%._~!$&'()*+,;=:@-]{1,20}$/),
);
const validId = fc.stringMatching(/^[A-Za-z0-9._:@-]{1,24}$/);
type ParamChoice = { known: number } | { raw: string };
const paramChoice: fc.Arbitrary<ParamChoice> = fc.oneof(
  { weight: 12, arbitrary: fc.nat().map((known) => ({ known })) },
  { weight: 3, arbitrary: validId.map((v) => ({ raw: enc(v) })) },
  { weight: 4, arbitrary: badSegment.map((raw) => ({ raw })) },
);

const queryValue = fc.oneof(
  fc.integer({ min: -3, max: 120 }).map(String),
  fc.constantFrom("", "0", "-1", "1.5", "1e400", "1e2", "0x10", "NaN", "Infinity", "abc", "99999999999999999999", "9007199254740991", "%ZZ", "%00", "1%00", "+5", "%205"),
  fc.string({ maxLength: 20 }).map(safeEncode),
);
const query = fc.oneof(
  { weight: 3, arbitrary: fc.constant("") },
  { weight: 3, arbitrary: fc.array(fc.tuple(fc.oneof(fc.constantFrom("page", "pageSize", "limit", "cursor"), fc.string({ maxLength: 6 }).map(safeEncode)), queryValue), { minLength: 1, maxLength: 4 })
    .map((kv) => "?" + kv.map(([k, v]) => `${k}=${v}`).join("&")) },
  { weight: 1, arbitrary: fc.constantFrom("?", "?&", "?page", "?=1", "?page=1&page=2", "?cursor=" + "x".repeat(200), "?%") },
);

type Body = { json: unknown } | { raw: string | Buffer } | null;
const invalidJson = fc.oneof(
  fc.constantFrom("{", "[1,", '{"memories": ["unterminated', "NaN", "undefined", "{'a': 1}", "\u0000", "\uFEFF{}", "{}}", "[]]", '{"a":1,}', "tru"),
  fc.string({ minLength: 1, maxLength: 40 }),
);
const huge = fc.constantFrom(
  { json: { memories: ["x".repeat(LIMITS.memoryChars + 1)] } },
  { json: { memories: Array.from({ length: LIMITS.memoriesPerAdd + 1 }, (_, i) => `The user has ${i} lamps.`) } },
  { json: { memory: "y".repeat(200_000) } },
  { json: "z".repeat(300_000) },
  { json: { endUserId: USERS[0], characterId: CHARS[0], turns: [turn(0, "user", "t".repeat(LIMITS.turnTextChars + 1))] } },
  { json: { endUserId: USERS[0], characterId: CHARS[0], turns: Array.from({ length: LIMITS.turnsPerMessage + 1 }, (_, i) => turn(i, "user", "Hi.")) } },
  { json: { memoryEnabled: true, metadata: { blob: "m".repeat(LIMITS.memoryMetadataBytes) } } },
  { raw: "[".repeat(5000) + "]".repeat(5000) },
  // bytes that are not UTF-8, alone and inside otherwise valid JSON
  { raw: Buffer.from([0xff, 0xfe, 0x7b, 0x7d]) },
  { raw: Buffer.concat([Buffer.from('{"memories":["The user likes '), Buffer.from([0xe9, 0xff, 0xc3]), Buffer.from('."]}')]) },
);
const bodyFor = (route: Route): fc.Arbitrary<Body> => {
  const valid = route.body ?? fc.jsonValue({ maxDepth: 2 });
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(null) },
    { weight: 8, arbitrary: valid.map((json) => ({ json })) },
    { weight: 4, arbitrary: mutated(valid, HOSTILE).map((json) => ({ json })) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((json) => ({ json })) },
    { weight: 1, arbitrary: fc.anything().map((v) => { try { const raw = JSON.stringify(v); return raw === undefined ? null : { raw }; } catch { return { raw: "{" }; } }) },
    { weight: 1, arbitrary: huge },
    { weight: 2, arbitrary: invalidJson.map((raw) => ({ raw })) },
  );
};
const contentType = fc.constantFrom(
  "application/json", "application/json", "application/json; charset=utf-8", "text/plain;charset=UTF-8", null,
  "application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz", "application/xml", "garbage/../", "",
);
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "PROPFIND"];
const pathMutation = fc.constantFrom("none", "none", "none", "none", "none", "none", "none", "trailing-slash", "double-slash", "upper", "extra-segment", "drop-last");

interface Recipe { route: number; method: { pick: number } | { any: string }; params: ParamChoice[]; query: string; body: Body; contentType: string | null; mutation: string; auth: boolean }
/** How often each route is picked: item routes need more tries to land on a live memory; erasing a user less. */
const WEIGHT: Record<string, number> = { "pair item": 4, "store item": 3, "character item": 3, transcript: 3, erase: 1, health: 1, users: 1 };
const routeIndex = fc.oneof(...ROUTES.map((r, i) => ({ weight: WEIGHT[r.name] ?? 2, arbitrary: fc.constant(i) })));
const recipe: fc.Arbitrary<Recipe> = routeIndex.chain((route) => fc.record({
  route: fc.constant(route),
  method: fc.oneof({ weight: 9, arbitrary: fc.nat().map((pick) => ({ pick })) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS).map((any) => ({ any })) }),
  params: fc.array(paramChoice, { minLength: 3, maxLength: 3 }),
  query,
  body: bodyFor(ROUTES[route]),
  contentType,
  mutation: pathMutation,
  auth: fc.boolean(),
}));

// ---- what the fuzz knows exists, so that ids often hit real records ----

/** Live memory ids by the scope path they live under; every id ever seen, for history. */
const live = new Map<string, Set<string>>();
const everSeen: string[] = [];
const sessPool: string[] = [uid("fz-s"), uid("fz-s"), uid("fz-s")];
const addedScopes = new Set<string>();

function remember(scope: string, ids: string[]) {
  const set = live.get(scope) ?? new Set<string>();
  live.set(scope, set);
  for (const id of ids) { set.add(id); everSeen.push(id); }
}

/** A live memory of `scope`, made through the API when the fuzz has deleted them all (not a fuzz request). */
async function liveMemory(scope: string, k: number): Promise<string> {
  const ids = [...(live.get(scope) ?? [])];
  if (ids.length) return ids[k % ids.length];
  const r = await rest(relay.url, "POST", scope, { memories: [`The user keeps ${k % 1000} marbles.`] });
  if (r.status !== 200) return "no-such-memory";
  remember(scope, r.body.results.map((x: any) => x.id));
  return r.body.results[0].id;
}

async function resolve(r: Recipe): Promise<{ method: string; path: string; headers: Record<string, string>; body?: string | Buffer }> {
  const route = ROUTES[r.route];
  const methods = Object.keys(route.methods);
  const method = "pick" in r.method ? methods[r.method.pick % methods.length] : r.method.any;
  let path = "";
  // the template's segments in order, each param resolved against what exists now
  for (const [i, part] of route.template.split(/(:\w+)/).entries()) {
    if (!part.startsWith(":")) { path += part; continue; }
    const name = part.slice(1) as Param;
    const choice = r.params[(i - 1) / 2];
    if ("raw" in choice) { path += choice.raw; continue; }
    const k = choice.known;
    let v: string;
    if (name === "u") v = USERS[k % USERS.length];
    else if (name === "c") v = CHARS[k % CHARS.length];
    else if (name === "st") v = STORES[k % STORES.length];
    else if (name === "s") v = sessPool[k % sessPool.length];
    else if (route.name === "history") v = everSeen.length ? everSeen[k % everSeen.length] : "no-such-memory";
    // an item: a live memory of the scope in the path when the path is a known scope, else any memory (another scope's)
    else if (live.has(path.slice(0, -1)) || addedScopes.has(path.slice(0, -1))) v = await liveMemory(path.slice(0, -1), k);
    else v = everSeen.length ? everSeen[k % everSeen.length] : "no-such-memory";
    path += enc(v);
  }
  if (r.mutation === "trailing-slash") path += "/";
  else if (r.mutation === "double-slash") path = path.replace("/v1/", "/v1//");
  else if (r.mutation === "upper") path = path.toUpperCase();
  else if (r.mutation === "extra-segment") path += "/extra";
  else if (r.mutation === "drop-last") path = path.split("/").slice(0, -1).join("/") || "/";
  const headers: Record<string, string> = {};
  if (r.contentType !== null) headers["content-type"] = r.contentType;
  if (r.auth) headers.authorization = "Bearer not-a-key";
  let body: string | Buffer | undefined;
  if (r.body && method !== "GET" && method !== "HEAD") body = "raw" in r.body ? r.body.raw : JSON.stringify(r.body.json);
  return { method, path: path + r.query, headers, body };
}

const coverage = new Map<string, { ok: number; err: number }>();
let requests = 0;

/**
 * One request on its own connection, sent as written (no URL normalization). Not fetch's pooled
 * keep-alive connections: a request refused before its body is read can leave its connection unusable
 * (the test "keep-alive after refusals" below), and each fuzz request should be judged on its own.
 */
function send(method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Promise<{ status: number; text: string; contentType: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(relay.url);
    const req = http.request({ host: target.hostname, port: target.port, method, path, agent: false, timeout: 10_000, headers: body === undefined ? headers : { ...headers, "content-length": Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString("utf8"), contentType: String(res.headers["content-type"] ?? "") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("no answer in 10 s")));
    req.on("error", reject);
    req.end(body);
  });
}

/** Sends one request; returns why its answer is wrong, or null. */
async function fire(r: Recipe): Promise<string | null> {
  const req = await resolve(r);
  const url = new URL(req.path, "http://relay"); // what the relay itself parses
  let res: { status: number; text: string; contentType: string };
  try {
    res = await send(req.method, req.path, req.headers, req.body);
  } catch (e) {
    return `no answer: ${(e as Error).message} ${(e as any).code ?? ""}: ${req.method} ${req.path.slice(0, 200)} with ${req.body?.length ?? 0} bytes`;
  }
  requests++;
  const text = res.text;
  const route = routeOf(url.pathname);
  const key = `${route?.name ?? "no route"} ${req.method}`;
  const cell = coverage.get(key) ?? { ok: 0, err: 0 };
  coverage.set(key, cell);
  if (res.status >= 200 && res.status < 300) cell.ok++;
  else cell.err++;
  const where = `${req.method} ${url.pathname}${url.search} → ${res.status} ${text.slice(0, 200)}`;
  if (res.status >= 500) return `server error: ${where}`;
  if (req.method === "HEAD") return Object.values(HTTP_STATUS).includes(res.status) || res.status === 200 ? null : `HEAD answered ${where}`;
  let body: unknown;
  try { body = JSON.parse(text); } catch { return `not JSON: ${where}`; }
  if (!/application\/json/.test(res.contentType)) return `content-type ${res.contentType}: ${where}`;
  if (res.status >= 200 && res.status < 300) {
    const schema = route?.methods[req.method];
    if (!schema) return `success where no route answers: ${where}`;
    const parsed = z.safeParse(schema, body);
    if (!parsed.success) return `malformed success (${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}): ${where}`;
    // remember what now exists
    const b = body as any;
    if (/^(pair|store|character)$/.test(route.name) && req.method === "POST") {
      addedScopes.add(url.pathname);
      remember(url.pathname, b.results.filter((x: any) => x.event === "add").map((x: any) => x.id));
      for (const x of b.results) if (x.event === "delete") for (const set of live.values()) set.delete(x.id);
    }
    if (/^(pair|store|character)$/.test(route.name) && req.method === "DELETE") live.delete(url.pathname);
    if (/item$/.test(route.name) && req.method === "DELETE") live.get(url.pathname.split("/").slice(0, -1).join("/"))?.delete(b.id);
    if (route.name === "erase") for (const scope of live.keys()) if (scope.startsWith(`/v1/users/${enc(b.endUserId)}/`)) live.delete(scope);
    if (route.name === "transcript") sessPool.push(decodeURIComponent(url.pathname.split("/")[3]));
    return null;
  }
  const err = ErrorBody.safeParse(body);
  if (!err.success) return `not a protocol error: ${where}`;
  if (HTTP_STATUS[err.data.code] !== res.status) return `code ${err.data.code} with status ${res.status}: ${where}`;
  if (err.data.code === "E_INTERNAL") return `E_INTERNAL: ${where}`;
  if (!err.data.message) return `empty message: ${where}`;
  return null;
}

describe("REST fuzz", () => {
  beforeAll(async () => {
    // real records for the fuzz to find: memories in every scope, sessions with turns
    const scopes = [
      ...USERS.flatMap((u) => CHARS.map((c) => `/v1/users/${u}/characters/${c}/memories`)),
      ...STORES.map((s) => `/v1/stores/${s}/memories`),
      ...CHARS.map((c) => `/v1/characters/${c}/memories`),
    ];
    for (const scope of scopes) {
      const r = await rest(relay.url, "POST", scope, { memories: ["The user likes tea.", "The user owns a red bicycle.", "The user lives in Oslo.", "The user plays chess."] });
      expect(r.status, r.text).toBe(200);
      remember(scope, r.body.results.map((x: any) => x.id));
      addedScopes.add(scope);
    }
    for (const [i, s] of sessPool.entries()) {
      const r = await rest(relay.url, "POST", `/v1/sessions/${s}/transcript`, { endUserId: USERS[i], characterId: CHARS[0], turns: [turn(0, "user", "My name is Avery.")] });
      expect(r.status, r.text).toBe(200);
    }
  });

  /**
   * One well-formed request for every route and method, run as fixed batches before the random ones,
   * so each success path is taken in every run; the random batches alone land on some (PATCH of a
   * live item) only a few times a run. A batch's requests run at once, so an item's PATCH and its
   * DELETE name different scopes, a scope is deleted in a later batch than its items are used,
   * and a user is erased last: one the other requests do not touch.
   */
  const wellFormed = (): Recipe[][] => {
    const bodies: Record<string, unknown> = {
      POST: { memories: ["The user keeps bees."] },
      PATCH: { memory: "The user keeps honeybees." },
      PUT: { memoryEnabled: true },
    };
    const all = ROUTES.flatMap((route, i) => Object.keys(route.methods).map((method, pick): Recipe => ({
      route: i, method: { pick }, params: Array(3).fill({ known: method === "DELETE" ? 1 : 0 }), query: "",
      body: route.name === "transcript"
        ? { json: { endUserId: USERS[0], characterId: CHARS[0], turns: [turn(1, "user", "I live in Lisbon.")] } }
        : bodies[method] === undefined ? null : { json: bodies[method] },
      contentType: "application/json", mutation: "none", auth: false,
    })));
    const stage = (r: Recipe, name = ROUTES[r.route].name) =>
      name === "erase" ? 2 : ["pair", "store", "character"].includes(name) && "pick" in r.method && Object.keys(ROUTES[r.route].methods)[r.method.pick] === "DELETE" ? 1 : 0;
    const batches: Recipe[][] = [];
    for (const n of [0, 1, 2]) {
      const these = all.filter((r) => stage(r) === n).map((r) => n === 2 ? { ...r, params: Array(3).fill({ known: 2 }) } : r);
      for (let i = 0; i < these.length; i += 8) batches.push(these.slice(i, i + 8));
    }
    return batches;
  };

  it("every answer is a well-formed success or a protocol error with its status; never a 500", async () => {
    const failures: string[] = [];
    const t0 = Date.now();
    const run = await fc.check(
      fc.asyncProperty(fc.array(recipe, { minLength: 8, maxLength: 8 }), async (batch) => {
        const answers = await Promise.all(batch.map(fire));
        const bad = answers.filter((a): a is string => a !== null);
        failures.push(...bad);
        return bad.length === 0;
      }),
      { numRuns: 400, interruptAfterTimeLimit: 25_000, endOnFailure: true, examples: wellFormed().map((batch) => [batch]) },
    );
    const summary = [...coverage].sort().map(([k, v]) => `${k}: ${v.ok} ok, ${v.err} refused`).join("\n");
    console.log(`REST fuzz: ${requests} requests in ${Date.now() - t0} ms\n${summary}`);
    expect(failures.slice(0, 5)).toEqual([]);
    expect(run.failed, fc.defaultReportMessage(run) ?? "").toBe(false);
    expect(requests).toBeGreaterThanOrEqual(1_500);
    // the fuzz got through to every route and method, and was refused on each route too
    for (const route of ROUTES) {
      for (const method of Object.keys(route.methods)) {
        expect(coverage.get(`${route.name} ${method}`)?.ok ?? 0, `successes of ${route.name} ${method}\n${summary}`).toBeGreaterThan(0);
      }
      const refused = METHODS.reduce((n, m) => n + (coverage.get(`${route.name} ${m}`)?.err ?? 0), 0);
      if (route.name !== "health") expect(refused, `refusals of ${route.name}`).toBeGreaterThan(0);
    }
  }, 60_000);

  it("nothing malformed was stored: memories, sessions, transcripts, users and settings all pass the protocol's schemas", async () => {
    for (const scope of addedScopes) {
      for (let page = 1; ; page++) {
        const r = await rest(relay.url, "GET", `${scope}?page=${page}&pageSize=${LIMITS.pageSize}`);
        expect(r.status, `${scope}: ${r.text.slice(0, 200)}`).toBe(200);
        for (const m of r.body.memories) {
          expect(MemoryRecord.safeParse(m).success, JSON.stringify(m)).toBe(true);
          expect(m.memory.length, m.memory).toBeGreaterThan(0);
          expect(m.memory.length).toBeLessThanOrEqual(LIMITS.memoryChars);
          expect(m.memory.trim()).toBe(m.memory);
          expect(Buffer.byteLength(JSON.stringify(m.metadata))).toBeLessThanOrEqual(LIMITS.memoryMetadataBytes);
          const [, kind, a, , b] = decodeURIComponent(scope).split("/").slice(1);
          if (kind === "users") expect(m.scope).toEqual({ kind: "pair", endUserId: a, characterId: b });
          else if (kind === "stores") expect(m.scope).toEqual({ kind: "store", store: a });
          else expect(m.scope).toEqual({ kind: "character", characterId: a });
        }
        if (!r.body.hasMore) break;
      }
    }
    for (const s of new Set(sessPool)) {
      const r = await rest(relay.url, "GET", `/v1/sessions/${enc(s)}`);
      if (r.status === 404) continue; // erased with its user
      expect(r.status, r.text).toBe(200);
      const parsed = SessionBody.safeParse(r.body);
      expect(parsed.success, r.text).toBe(true);
    }
    for (const u of USERS) {
      const r = await rest(relay.url, "GET", `/v1/users/${u}/export`);
      if (r.status === 404) continue;
      expect(r.status, r.text.slice(0, 200)).toBe(200);
      for (const m of r.body.memories) expect(MemoryRecord.safeParse(m).success, JSON.stringify(m)).toBe(true);
      for (const s of r.body.sessions) for (const t of s.transcript) expect(Turn.safeParse(t).success, JSON.stringify(t)).toBe(true);
    }
    let cursor = "";
    for (let i = 0; i < 100; i++) {
      const r = await rest(relay.url, "GET", `/v1/users?limit=${LIMITS.pageSize}${cursor ? `&cursor=${enc(cursor)}` : ""}`);
      expect(r.status, r.text.slice(0, 200)).toBe(200);
      for (const u of r.body.users) expect(UserBody.safeParse(u).success, JSON.stringify(u)).toBe(true);
      if (!r.body.nextCursor) break;
      cursor = r.body.nextCursor;
    }
    for (const c of CHARS) {
      const r = await rest(relay.url, "GET", `/v1/characters/${c}/settings`);
      expect(r.status).toBe(200);
      expect(Settings.safeParse(r.body).success, r.text).toBe(true);
    }
  });

  it("the relay is alive and logged no internal error", async () => {
    await expectRelayAlive(relay.url);
    expect(relay.log()).not.toMatch(/internal error|unhandled rejection|Uncaught/i);
  });
});

describe.concurrent("keep-alive after refusals", () => {
  // A browser or an HTTP client library sends its next request on the same pooled connection. A
  // request refused before the relay reads its body (well under the 1 MB cap) must not leave that
  // connection wedged: either the rest of the body is drained, or the answer closes the connection.
  const refusals: [string, string, string][] = [
    ["an id that is not an Id", "POST", "/v1/users/a%20b/characters/npc/memories"],
    ["an unknown /v1 route", "POST", "/v1/nothing-here"],
    ["a method the route does not have", "PUT", "/v1/health"],
    ["a path outside /v1", "POST", "/V1/users/u/characters/c/memories"],
  ];
  for (const [name, method, path] of refusals) it(`${name} with a 300 KB body: refused, and the next request on the same connection is answered`, async ({ expect }) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const call = (m: string, p: string, body?: string) => new Promise<string>((resolve) => {
      const r = http.request(relay.url + p, {
        method: m, agent, timeout: 3_000,
        headers: body === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      }, (res) => {
        let text = "";
        res.on("data", (d) => { text += d; });
        res.on("end", () => resolve(`${res.statusCode} ${text}`));
      });
      r.on("timeout", () => { r.destroy(); resolve("no answer in 3 s"); });
      r.on("error", (e) => resolve(`error ${(e as any).code ?? e.message}`));
      r.end(body);
    });
    try {
      const refused = await call(method, path, JSON.stringify({ memories: ["x".repeat(300_000)] }));
      expect(refused).toMatch(/^40[04] \{"code":"E_(BAD_REQUEST|NOT_FOUND)"/);
      for (let i = 0; i < 2; i++) expect(await call("GET", "/v1/health"), `request ${i + 1} after the refusal`).toMatch(/^200 /);
    } finally { agent.destroy(); }
  });
});

describe("socket fuzz: every event, unknown event names, any arguments", () => {
  const EVENT_NAMES = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom("transcript", "session:end", "memory:search") },
    {
      weight: 4,
      arbitrary: fc.oneof(
        fc.constantFrom(
          "memories", "memories:updated", "session:processed", "TRANSCRIPT", "transcript ", "session_end", "session:end:now", "memory:search:all",
          "__proto__", "constructor", "toString", "hasOwnProperty", "error", "message", "ping", "", "x".repeat(5000),
        ),
        fc.string({ maxLength: 20 }),
      ),
    },
  );
  const sessionIds = [uid("fzs-a"), uid("fzs-b")];
  // Two batches fast-check runs before the random ones, so each event's ok and E_BAD_REQUEST paths
  // are taken in every run: the random calls alone can miss one (an ack-less end of a session makes
  // every later end of it E_CONFLICT). Their session is one the random calls never name.
  const endsOk = uid("fzs-ok");
  const at = "2025-01-01T00:00:00.000Z";
  const examples: { event: string; args: unknown[]; ack: boolean }[][] = [[
    { event: "transcript", args: [{ sessionId: endsOk, turns: [{ seq: 0, role: "user", text: "I love jazz.", at }] }], ack: true },
    { event: "memory:search", args: [{ query: "jazz" }], ack: true },
    { event: "transcript", args: [{ sessionId: 42, turns: [] }], ack: true },
    { event: "session:end", args: [{}], ack: true },
    { event: "memory:search", args: [{ query: "" }], ack: true },
  ], [
    { event: "session:end", args: [{ sessionId: endsOk, turnCount: 1, endedAt: at }], ack: true },
    { event: "no:such:event", args: [{}], ack: true },
    { event: "memory:search", args: [{ query: "jazz", limit: 3 }], ack: true },
    { event: "transcript", args: [{ sessionId: endsOk, turns: "I live in Lisbon." }], ack: true },
    { event: "session:end", args: [{ sessionId: endsOk, turnCount: -1 }], ack: true },
  ]];
  const sid = fc.oneof(fc.constantFrom(...sessionIds), fc.string({ maxLength: 10 }));
  const nearValid = fc.oneof(
    fc.record({ sessionId: sid, turns: fc.array(aTurn, { maxLength: 4 }) }),
    fc.record({ sessionId: sid, turnCount: fc.integer({ min: -1, max: 14 }), endedAt: iso }, { requiredKeys: ["sessionId"] }),
    fc.record({ query: fc.string({ maxLength: 30 }), limit: fc.integer({ min: -1, max: 60 }) }, { requiredKeys: [] }),
  );
  const arg = fc.oneof(
    { weight: 4, arbitrary: nearValid },
    { weight: 3, arbitrary: mutated(nearValid, HOSTILE) },
    { weight: 2, arbitrary: fc.anything() },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
    { weight: 1, arbitrary: fc.record({ sessionId: sid, bytes: fc.uint8Array({ maxLength: 16 }) }) },
  );
  // the ack callback last (or none), with 0 to 3 arguments before it
  const call = fc.record({ event: EVENT_NAMES, args: fc.array(arg, { maxLength: 3 }), ack: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }) });

  const pair = { endUserId: uid("fzs-user"), characterId: uid("fzs-npc") };
  let c: Client;
  beforeAll(async () => { c = await connectClient(relay.url, authFor(pair, sessionIds[0])); });
  afterAll(() => c?.close());

  it("every ack is ok:true or a protocol error (unknown events: E_BAD_REQUEST), never E_INTERNAL; the socket stays connected", async () => {
    const seen = new Map<string, number>();
    const failures: string[] = [];
    let sent = 0;
    const run = await fc.check(
      fc.asyncProperty(fc.array(call, { minLength: 5, maxLength: 5 }), async (batch) => {
        const outcomes = await Promise.all(batch.map(async ({ event, args, ack }) => {
          const known = ["transcript", "session:end", "memory:search"].includes(event);
          try {
            if (!ack) { c.socket.emit(event, ...args); sent++; return null; }
            const p = c.socket.timeout(5_000).emitWithAck(event, ...args);
            sent++;
            const a = await p;
            const key = `${known ? event : "unknown"} ${a?.ok === true ? "ok" : a?.error?.code}`;
            seen.set(key, (seen.get(key) ?? 0) + 1);
            if (!isWellFormedAck(a) || a.error?.code === "E_INTERNAL") return `${event}: ack ${JSON.stringify(a)?.slice(0, 200)}`;
            if (!known && a.ok !== false) return `unknown event ${JSON.stringify(event)} answered ${JSON.stringify(a)}`;
            return null;
          } catch (e) {
            // the client itself refuses reserved names; anything else is no answer at all
            if (/reserved/i.test(String((e as Error).message))) return null;
            return `${JSON.stringify(event).slice(0, 40)}: ${(e as Error).message}`;
          }
        }));
        const bad = outcomes.filter((o): o is string => o !== null);
        failures.push(...bad);
        return bad.length === 0 && c.socket.connected;
      }),
      { numRuns: 300, interruptAfterTimeLimit: 15_000, endOnFailure: true, examples: examples.map((batch) => [batch]) },
    );
    console.log(`socket fuzz: ${sent} events; ${[...seen].sort().map(([k, v]) => `${k}: ${v}`).join(", ")}`);
    expect(failures.slice(0, 5)).toEqual([]);
    expect(run.failed, fc.defaultReportMessage(run) ?? "").toBe(false);
    expect(c.socket.connected).toBe(true);
    expect(sent).toBeGreaterThanOrEqual(1_000);
    for (const event of ["transcript", "session:end", "memory:search"]) {
      expect(seen.get(`${event} ok`) ?? 0, [...seen].join(", ")).toBeGreaterThan(0);
      expect(seen.get(`${event} E_BAD_REQUEST`) ?? 0, [...seen].join(", ")).toBeGreaterThan(0);
    }
    expect(seen.get("unknown E_BAD_REQUEST") ?? 0).toBeGreaterThan(0);
  }, 40_000);

  it("what the fuzz stored is well formed, and the relay is alive", async () => {
    for (const s of [...sessionIds, endsOk]) {
      const r = await rest(relay.url, "GET", `/v1/sessions/${s}`);
      if (r.status === 404) continue;
      expect(SessionBody.safeParse(r.body).success, r.text).toBe(true);
    }
    // the examples' session was ended once, with its one turn, whatever came after
    const ended = await rest(relay.url, "GET", `/v1/sessions/${endsOk}`);
    expect([ended.status, ended.body.turns], ended.text).toEqual([200, 1]);
    expect(["queued", "processed"]).toContain(ended.body.status);
    const r = await rest(relay.url, "GET", `/v1/users/${pair.endUserId}/export`);
    expect(r.status, r.text.slice(0, 200)).toBe(200);
    for (const s of r.body.sessions) for (const t of s.transcript) expect(Turn.safeParse(t).success, JSON.stringify(t)).toBe(true);
    for (const m of r.body.memories) expect(MemoryRecord.safeParse(m).success, JSON.stringify(m)).toBe(true);
    await expectRelayAlive(relay.url);
    expect(relay.log()).not.toMatch(/internal error|unhandled rejection|Uncaught/i);
  });
});

// The REST API under /v1: a table of routes over the services. Bodies are validated with the
// protocol's zod schemas; every error is `{ code, message }` with its HTTP status.
import type { IncomingMessage, ServerResponse } from "node:http";
import { createHash, timingSafeEqual } from "node:crypto";
import {
  AddMemoriesBody, CharacterSettings, Id, LIMITS, PageQuery, PatchMemoryBody, type Scope, TranscriptRestBody, UsersQuery,
} from "../sdk/src/protocol.ts";
import { authorize, type Grant, type Tokens } from "./auth.ts";
import { errorBody, parse, ProtocolError } from "./errors.ts";
import { log } from "./log.ts";
import { type MemoryService, toRecord } from "./memories.ts";
import type { Metrics } from "./metrics.ts";
import { openApiDocument } from "./openapi.ts";
import { RateLimiter } from "./rate.ts";
import type { Sessions } from "./sessions.ts";
import { scopeKey } from "./store/scope.ts";
import type { Store } from "./store/store.ts";

export interface RestDeps {
  store: Store;
  memories: MemoryService;
  sessions: Sessions;
  version: string;
  /** the admin key: `Authorization: Bearer <adminKey>` may call every route */
  adminKey?: string;
  /** token mode: an end user's token as the bearer reaches their own pair memories; the page-hide body carries one */
  tokens?: Tokens;
  /** requests a second per IP address (LIMITS.restRequestsPerSecond unless configured); bursts and the per-end-user budget scale with it */
  restPerSecond?: number;
  /** counts the errors answered for /metrics */
  metrics?: Metrics;
}

type Params = Record<string, string>;
/** Who is calling: the admin key, an end user's token, or anyone (a public route, or open mode without an admin key). */
type Caller = { kind: "admin" } | { kind: "player"; grant: Grant } | { kind: "anyone" };
interface Request {
  params: Params; query: URLSearchParams; body: () => Promise<unknown>; caller: Caller;
  /** sets a header of the answer */
  header: (name: string, value: string) => void;
}
type Handler = (req: Request) => Promise<unknown>;
/**
 * Who may call a route. `public`: health, and the page-hide transcript, which a page sends with
 * `fetch(…, { keepalive: true })` and which identifies its session (and in token mode carries its
 * token) in the body, like a handshake. `player`: the admin key, or in token mode an end user's
 * token for their own pair memories. `admin`: the admin key only (in open mode without one: anyone).
 */
type Access = "public" | "player" | "admin";

const PLAYER_ROUTES = "GET, POST, DELETE /v1/users/:endUserId/characters/:characterId/memories and GET, DELETE …/memories/:id";

const SCOPES: [string, (p: Params) => Scope, Access][] = [
  ["/v1/users/:endUserId/characters/:characterId/memories", (p) => ({ kind: "pair", endUserId: p.endUserId, characterId: p.characterId }), "player"],
  ["/v1/stores/:store/memories", (p) => ({ kind: "store", store: p.store }), "admin"],
  ["/v1/characters/:characterId/memories", (p) => ({ kind: "character", characterId: p.characterId }), "admin"],
];

const digest = (s: string) => createHash("sha256").update(s).digest();

export function restHandler(deps: RestDeps) {
  const { store, memories, sessions } = deps;
  const routes: { method: string; pattern: URLPattern; handler: Handler; access: Access }[] = [];
  const route = (method: string, pathname: string, handler: Handler, access: Access = "admin") =>
    routes.push({ method, pattern: new URLPattern({ pathname }), handler, access });

  /** The memory `id` when it lives in `scope`; 404 otherwise, so one pair never reaches another's. */
  const memoryIn = async (scope: Scope, id: string) => {
    const m = await store.getMemory(id);
    if (!m || scopeKey(m.scope) !== scopeKey(scope)) throw new ProtocolError("E_NOT_FOUND", `no memory ${id} here`);
    return m;
  };

  route("GET", "/v1/health", async () => ({ ok: true, version: deps.version }), "public");
  // the REST API described (OpenAPI 3.1), from this router's routes and the protocol's schemas
  let openapi: unknown;
  route("GET", "/v1/openapi.json", async () => (openapi ??= openApiDocument(list(), deps.version)), "public");

  // end users may list, add and delete their own pair memories; editing one (PATCH) stays the admin's
  for (const [path, make, access] of SCOPES) {
    route("GET", path, async ({ params, query }) => {
      const scope = make(params);
      const { page, pageSize } = parse(PageQuery, Object.fromEntries(query), "query");
      const { memories: list, total } = await store.listMemories([scope], { offset: (page - 1) * pageSize, limit: pageSize });
      return { memories: list.map(toRecord), total, page, pageSize, hasMore: page * pageSize < total };
    }, access);
    route("POST", path, async ({ params, body }) => {
      const scope = make(params);
      const b = parse(AddMemoriesBody, await body(), "body");
      const results = await memories.add(scope, b.memories, { pinned: b.pinned, metadata: b.metadata });
      if (b.pinned || results.some((r) => r.event !== "noop")) void sessions.changed([scope]);
      return { results };
    }, access);
    route("DELETE", path, async ({ params }) => {
      const scope = make(params);
      const deleted = await store.deleteScope(scope, new Date().toISOString());
      if (deleted) void sessions.changed([scope]);
      return { deleted };
    }, access);
    route("GET", `${path}/:id`, async ({ params }) => toRecord(await memoryIn(make(params), params.id)), access);
    route("PATCH", `${path}/:id`, async ({ params, body }) => {
      const scope = make(params);
      await memoryIn(scope, params.id);
      const patch = parse(PatchMemoryBody, await body(), "body");
      const m = await memories.patch(params.id, patch, new Date().toISOString());
      if (!m) throw new ProtocolError("E_NOT_FOUND", `no memory ${params.id} here`);
      void sessions.changed([scope]);
      return toRecord(m);
    });
    route("DELETE", `${path}/:id`, async ({ params }) => {
      const scope = make(params);
      await memoryIn(scope, params.id);
      await store.deleteMemory(params.id, new Date().toISOString());
      void sessions.changed([scope]);
      return { deleted: true, id: params.id };
    }, access);
  }

  // every add, update and delete of a memory, with the session that caused it (none for REST and expiry)
  route("GET", "/v1/memories/:id/history", async ({ params }) => {
    const history = await store.history(params.id);
    if (!history.length && !(await store.getMemory(params.id))) throw new ProtocolError("E_NOT_FOUND", `no memory ${params.id}`);
    return { history };
  });

  route("GET", "/v1/users", async ({ query }) => {
    const { limit, cursor, activeSince, inactiveSince } = parse(UsersQuery, Object.fromEntries(query), "query");
    // times compared as the store writes them (UTC, milliseconds)
    const utc = (t?: string) => (t === undefined ? undefined : new Date(t).toISOString());
    const users = await store.listUsers(limit + 1, { cursor, activeSince: utc(activeSince), inactiveSince: utc(inactiveSince) });
    return { users: users.slice(0, limit), nextCursor: users.length > limit ? users[limit - 1].endUserId : null };
  });
  route("GET", "/v1/users/:endUserId/export", async ({ params, header }) => {
    const data = await store.exportUser(params.endUserId);
    if (!data) throw new ProtocolError("E_NOT_FOUND", `the relay keeps nothing about end user ${params.endUserId}`);
    header("content-disposition", `attachment; filename="keepsake-${params.endUserId.replace(/[^\w.-]/g, "_")}.json"`);
    return data;
  });
  route("DELETE", "/v1/users/:endUserId", async ({ params }) => {
    const { scopes, ...erased } = await store.deleteUser(params.endUserId);
    sessions.erased(params.endUserId);
    if (scopes.length) void sessions.changed(scopes);
    return { deleted: true, endUserId: params.endUserId, ...erased };
  });

  route("GET", "/v1/sessions/:sessionId", async ({ params }) => {
    const s = await store.getSession(params.sessionId);
    if (!s) throw new ProtocolError("E_NOT_FOUND", `no session ${params.sessionId}`);
    return {
      sessionId: s.sessionId, endUserId: s.endUserId, characterId: s.characterId,
      ...(s.memoryStores ? { memoryStores: s.memoryStores } : {}),
      status: s.status === "processing" ? "queued" : s.status, turns: s.turns, turnCount: s.turnCount, results: s.results,
      attempts: s.attempts, ...(s.error ? { error: s.error } : {}),
      ...(s.extractor ? { extractor: s.extractor } : {}), ...(s.extractorNote ? { extractorNote: s.extractorNote } : {}),
      ...(s.summary ? { summary: s.summary } : {}),
    };
  });

  route("POST", "/v1/sessions/:sessionId/transcript", async ({ params, body, caller }) => {
    const b = parse(TranscriptRestBody, await body(), "body");
    if (deps.tokens && caller.kind !== "admin") authorize(await deps.tokens.verify(b.token), b);
    sessions.spend(b.endUserId);
    const owner = { endUserId: b.endUserId, characterId: b.characterId, memoryStores: b.memoryStores };
    return { ok: true, received: await sessions.receive(owner, params.sessionId, b.turns) };
  }, "public");

  // a character's settings; a field not set is the relay's default (memoryEnabled: true, said)
  route("GET", "/v1/characters/:characterId/settings", async ({ params }) => {
    return { memoryEnabled: true, ...await store.getCharacterSettings(params.characterId) };
  });
  route("PUT", "/v1/characters/:characterId/settings", async ({ params, body }) => {
    const settings = parse(CharacterSettings, await body(), "body");
    await store.putCharacterSettings(params.characterId, settings, new Date().toISOString());
    // what its connected sessions are given may have changed (limits, or memory switched off or on)
    void sessions.changed([{ kind: "character", characterId: params.characterId }]);
    return { memoryEnabled: true, ...settings };
  });

  const off = deps.adminKey ? "" : "; the admin routes are off until KEEPSAKE_ADMIN_KEY is set";

  /** Who the request's bearer is (the admin key compared in constant time); E_UNAUTHORIZED when it may not call a route of `access`. */
  const identify = async (req: IncomingMessage, access: Access): Promise<Caller> => {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (bearer !== undefined && deps.adminKey && timingSafeEqual(digest(bearer), digest(deps.adminKey))) return { kind: "admin" };
    if (access === "public") return { kind: "anyone" };
    if (!deps.tokens) {
      // open mode: without an admin key everything is open (development, loopback)
      if (!deps.adminKey) return { kind: "anyone" };
      throw new ProtocolError("E_UNAUTHORIZED", "this route needs Authorization: Bearer <admin key>");
    }
    if (bearer === undefined) {
      throw new ProtocolError("E_UNAUTHORIZED", `this route needs Authorization: Bearer <${access === "player" ? "the end user's token or " : ""}admin key>${off}`);
    }
    // something shaped like a JWT is judged as a token (so an expired one says so); anything else as a wrong admin key
    if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(bearer)) throw new ProtocolError("E_UNAUTHORIZED", `the bearer is not the admin key${off}`);
    return { kind: "player", grant: await deps.tokens.verify(bearer) };
  };

  // Rate limits (LIMITS.rest*): an end user's token spends its end user's budget, anything else its
  // IP address's (an IPv6 /64); the admin key, health and (in open mode) loopback clients are not limited
  const rate = deps.restPerSecond ?? LIMITS.restRequestsPerSecond;
  const scale = rate / LIMITS.restRequestsPerSecond;
  const perAddress = new RateLimiter(rate, LIMITS.restBurst * scale);
  const perEndUser = new RateLimiter(LIMITS.endUserRestRequestsPerSecond * scale, LIMITS.endUserRestBurst * scale);
  const limit = (req: IncomingMessage, res: ServerResponse, caller: Caller) => {
    if (caller.kind === "admin") return;
    // open mode is development: the developer's own tools on this machine (test drivers, scripts) are not throttled
    if (!deps.tokens && caller.kind !== "player" && LOOPBACK.test(req.socket.remoteAddress ?? "")) return;
    const [limiter, key, who] = caller.kind === "player"
      ? [perEndUser, caller.grant.endUserId, "per end user"]
      : [perAddress, addressKey(req.socket.remoteAddress), "per IP address"];
    const wait = limiter.take(key);
    if (!wait) return;
    const seconds = Math.ceil(wait);
    res.setHeader("retry-after", String(seconds));
    throw new ProtocolError("E_RATE_LIMITED",
      `too many requests: at most ${limiter.rate} a second ${who} (bursts of ${limiter.burst}); retry after ${seconds} s`);
  };

  /**
   * The caller (identify), its rate budget spent first when `limited`: a refused credential is
   * answered after the rate limit, so guessing keys and probing routes spend budget too.
   */
  const admit = async (req: IncomingMessage, res: ServerResponse, access: Access, limited = true): Promise<Caller> => {
    let caller: Caller = { kind: "anyone" }, refusal: unknown;
    try {
      caller = await identify(req, access);
    } catch (e) {
      refusal = e;
    }
    if (limited) limit(req, res, caller);
    if (refusal) throw refusal;
    return caller;
  };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const url = new URL(req.url ?? "/", "http://relay");
    let status = 200, answer: unknown, route: string | undefined;
    try {
      const matched = routes.filter((r) => r.pattern.test({ pathname: url.pathname }));
      const hit = matched.find((r) => r.method === req.method);
      route = hit?.pattern.pathname;
      const caller = await admit(req, res, hit?.access ?? "public", url.pathname !== "/v1/health");
      if (!matched.length) throw new ProtocolError("E_NOT_FOUND", `no route ${url.pathname}`);
      if (!hit) throw new ProtocolError("E_BAD_REQUEST", `${req.method} is not allowed on ${url.pathname}`);
      if (caller.kind === "player" && hit.access === "admin") {
        throw new ProtocolError("E_FORBIDDEN", `an end user's token reaches only ${PLAYER_ROUTES} of its own player; this route needs the admin key${off}`);
      }
      const params = hit.pattern.exec({ pathname: url.pathname })!.pathname.groups as Params;
      // every path parameter is an Id (end users, characters, stores, sessions, memories)
      for (const k in params) {
        params[k] = decodePart(params[k]);
        if (!Id.safeParse(params[k]).success) throw new ProtocolError("E_BAD_REQUEST", `${k} "${params[k].slice(0, 140)}" is not a valid id`);
      }
      if (caller.kind === "player") authorize(caller.grant, { endUserId: params.endUserId, characterId: params.characterId });
      answer = await hit.handler({ params, query: url.searchParams, body: () => readJson(req), caller, header: (n, v) => res.setHeader(n, v) });
    } catch (e) {
      const body = errorBody(e);
      status = e instanceof ProtocolError ? e.status : 500;
      answer = body;
      deps.metrics?.errors.inc({ code: body.code, transport: "rest" });
    }
    sendJson(req, res, status, answer);
    // the route's template, not the path: ids stay out of the log
    const ms = Math.round(performance.now() - started);
    log.debug(`keepsake: ${req.method} ${route ?? "(no route)"} answered ${status} in ${ms} ms`, {
      method: req.method, route: route ?? null, status, ms, ...(status >= 400 ? { code: (answer as { code: string }).code } : {}),
    });
  };

  /**
   * Lets a request through as an admin route's would be (the admin key; in open mode without one,
   * anyone), spending the same rate budget; throws the ProtocolError to answer otherwise. For the
   * relay's routes outside /v1 (GET /metrics).
   */
  const admitAdmin = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const caller = await admit(req, res, "admin");
    if (caller.kind === "player") throw new ProtocolError("E_FORBIDDEN", `an end user's token may not read this; it needs the admin key${off}`);
  };

  /** every route and who may call it: the isolation tests try each */
  function list() {
    return routes.map(({ method, pattern, access }) => ({ method, path: pattern.pathname, access }));
  }
  return Object.assign(handler, { routes: list(), admitAdmin });
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 */
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * Answers JSON. A request whose body was not read to its end (refused before reading, or cut at the
 * size limit) closes its connection, so the next request on it is not stuck behind the unread bytes.
 */
export function sendJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  if (!req.complete) res.setHeader("connection", "close");
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

/** The rate-limit key of a client address: an IPv4 address, or an IPv6 address's /64 (one client usually holds a whole one). */
function addressKey(address = "unknown"): string {
  const v4 = /^(?:::ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (v4 || !address.includes(":")) return v4?.[1] ?? address;
  const [head, tail] = address.split("%")[0].split("::");
  const h = head ? head.split(":") : [], t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill("0"), ...t];
  return `${groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(":")}::/64`;
}

function decodePart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ProtocolError("E_BAD_REQUEST", `"${part}" is not valid percent-encoding`);
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > LIMITS.payloadBytes) throw new ProtocolError("E_TOO_LARGE", `request bodies are at most ${LIMITS.payloadBytes} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text) throw new ProtocolError("E_BAD_REQUEST", "this route needs a JSON body");
  try {
    return JSON.parse(text);
  } catch {
    throw new ProtocolError("E_BAD_REQUEST", "the body is not valid JSON");
  }
}

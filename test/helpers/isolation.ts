// The isolation suites' shared parts: the relay's REST routes read from its own router, a victim's
// world seeded through real sessions and REST adds, what the victim has (read with the admin key)
// to compare before and after the attacks, and runners for rows of attacks.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "vitest";
import type { MemoryRecord, Scope, Turn } from "../../sdk/src/protocol.ts";
import { ADMIN_KEY } from "./tokens.ts";
import { authFor, type Client, connectClient, emit, listAll, type Pair, pairPath, rest, turns, uid } from "./wire.ts";

const root = path.resolve(import.meta.dirname, "../..");
export const admin = { authorization: `Bearer ${ADMIN_KEY}` };
export const bearer = (credential: string) => ({ authorization: `Bearer ${credential}` });

// ---- the router's own list of routes ----

export interface RestRoute { method: string; path: string; access: "public" | "player" | "admin" }

/** Every REST route of relay/rest.ts, from its router (so a new route is seen by the suites). */
export async function restRoutes(): Promise<RestRoute[]> {
  const code = 'import { restHandler } from "./relay/rest.ts"; console.log(JSON.stringify(restHandler({}).routes));';
  const { stdout } = await promisify(execFile)(path.join(root, "node_modules/.bin/deno"), ["eval", code], { cwd: root, env: { ...process.env, NO_COLOR: "1" } });
  return JSON.parse(stdout);
}

/** The route a request to `method` `url` reaches (":name" matches one path segment). */
export function routeOf(routes: RestRoute[], method: string, url: string): string | undefined {
  const pathname = url.split("?")[0];
  const hit = routes.find((r) => r.method === method && new RegExp(`^${r.path.replace(/:\w+/g, "[^/]+")}$`).test(pathname));
  return hit && `${hit.method} ${hit.path}`;
}

// ---- the victim's world ----

/**
 * Vera, the victim, talks to the blacksmith (her pair memories), to the lighthouse keeper (another
 * character's memories of the same player), and with her guild's shared store; the blacksmith has
 * character knowledge. Mallory, the attacker, talks to the same blacksmith.
 */
export interface World {
  vera: Pair;
  veraOther: Pair;
  mallory: Pair;
  store: string;
  /** a store Mallory may use (token mode grants it), not Vera's */
  malloryStore: string;
  sessions: { processed: string; open: string; store: string; other: string };
  /** a memory id in each scope, once seeded */
  ids: { pair: string; other: string; store: string; character: string; mallory: string };
}

/** The world's names (known before any test runs, so that rows of attacks can name them). */
export function planWorld(): World {
  const blacksmith = uid("blacksmith");
  const vera: Pair = { endUserId: uid("vera"), characterId: blacksmith };
  return {
    vera, veraOther: { endUserId: vera.endUserId, characterId: uid("lighthouse-keeper") }, mallory: { endUserId: uid("mallory"), characterId: blacksmith },
    store: uid("guild"), malloryStore: uid("mallory-guild"),
    sessions: { processed: uid("s-vera"), open: uid("s-vera-open"), store: uid("s-vera-guild"), other: uid("s-vera-lighthouse") },
    ids: { pair: "", other: "", store: "", character: "", mallory: "" },
  };
}

/** `@pair`, `@other`, `@store`, `@character`, `@mallory` in a row's path: the seeded memory ids. */
export function withIds(w: World, p: string): string {
  return p.replace(/@(pair|other|store|character|mallory)\b/g, (_, k: keyof World["ids"]) => w.ids[k]);
}

export type AuthExtra = (who: { endUserId: string; characterId: string; memoryStores?: string[] }) => Promise<Record<string, unknown>>;

/** A whole session over a socket (ship, end, wait for `session:processed`), as any client does it. */
async function session(url: string, auth: Record<string, unknown>, list: Turn[]): Promise<void> {
  const c = await connectClient(url, auth);
  try {
    const sessionId = auth.sessionId as string;
    expect(await emit(c.socket, "transcript", { sessionId, turns: list })).toMatchObject({ ok: true });
    expect(await emit(c.socket, "session:end", { sessionId, turnCount: list.length })).toMatchObject({ ok: true });
    await c.next("session:processed", (p) => p.sessionId === sessionId, 20_000);
  } finally { c.close(); }
}

/** Adds memories with the admin key; the ids, in order. */
async function add(url: string, scopePath: string, memories: string[]): Promise<string[]> {
  const r = await rest(url, "POST", scopePath, { memories }, { headers: admin });
  expect(r.status, r.text).toBe(200);
  return r.body.results.map((x: { id: string }) => x.id);
}

/** The handshake `auth` of `who` (with its stores) for `sessionId`, plus what `extra` adds (a token). */
export async function handshakeOf(who: Pair & { memoryStores?: string[] }, sessionId: string, extra: AuthExtra): Promise<Record<string, unknown>> {
  return authFor(who, sessionId, { ...(who.memoryStores ? { memoryStores: who.memoryStores } : {}), ...await extra(who) });
}

/** Seeds `w` on a relay with the admin key, through real sessions and REST adds; `extra` gives a handshake its token (token mode). */
export async function seedWorld(url: string, w: World, extra: AuthExtra): Promise<void> {
  const { vera, veraOther, mallory, sessions } = w;
  await Promise.all([
    session(url, await handshakeOf(vera, sessions.processed, extra), turns("My name is Vera.", "I keep a pet ferret named Quill.", "I live in Zurich.")),
    session(url, await handshakeOf({ ...vera, memoryStores: [w.store] }, sessions.store, extra), turns("Our guild hides its treasure in the old mill.")),
    session(url, await handshakeOf(veraOther, sessions.other, extra), turns("I collect antique maps.")),
  ]);
  // a session Vera has shipped but not ended (she left the page; it waits in her outbox)
  const c = await connectClient(url, await handshakeOf(vera, sessions.open, extra));
  try {
    const ack = await emit(c.socket, "transcript", { sessionId: sessions.open, turns: turns("I am saving up for a sailing boat.", "My sister lives in Geneva.") });
    expect(ack).toEqual({ ok: true, received: 2 });
  } finally { c.close(); }

  [w.ids.pair] = await add(url, pairPath(vera), ["The user keeps a pet ferret named Quill."]);
  [w.ids.other] = await add(url, pairPath(veraOther), ["The user collects antique maps of the coast."]);
  [w.ids.store] = await add(url, `/v1/stores/${w.store}/memories`, ["The guild's treasure is hidden in the old mill."]);
  [w.ids.character] = await add(url, `/v1/characters/${vera.characterId}/memories`, ["The forge of Emberfall stands in the north tower."]);
  [w.ids.mallory] = await add(url, pairPath(mallory), ["The user has a pet ferret too."]);
}

/** Everything of Vera's, read with the admin key: her memories in every scope, sessions, export, settings, history. */
export async function victimState(url: string, w: World): Promise<unknown> {
  const get = async (p: string) => {
    const r = await rest(url, "GET", p, undefined, { headers: admin });
    expect(r.status, `${p}: ${r.text}`).toBe(200);
    return r.body;
  };
  const users = await get("/v1/users?limit=100");
  return {
    pair: await listAll(url, w.vera, admin),
    other: await listAll(url, w.veraOther, admin),
    store: await get(`/v1/stores/${w.store}/memories?pageSize=100`),
    character: await get(`/v1/characters/${w.vera.characterId}/memories?pageSize=100`),
    sessions: await Promise.all(Object.values(w.sessions).map((s) => get(`/v1/sessions/${s}`))),
    export: await get(`/v1/users/${w.vera.endUserId}/export`),
    user: users.users.find((u: { endUserId: string }) => u.endUserId === w.vera.endUserId),
    settings: [await get(`/v1/characters/${w.vera.characterId}/settings`), await get(`/v1/characters/${w.veraOther.characterId}/settings`)],
    history: await get(`/v1/memories/${w.ids.pair}/history`),
  };
}

/** The scopes a connection of `who` reads (PROTOCOL.md: its stores or its pair, and its character's knowledge). */
export function readsOf(who: { endUserId: string; characterId: string; memoryStores?: string[] }): Scope[] {
  const own: Scope[] = who.memoryStores?.length
    ? who.memoryStores.map((store) => ({ kind: "store", store }))
    : [{ kind: "pair", endUserId: who.endUserId, characterId: who.characterId }];
  return [...own, { kind: "character", characterId: who.characterId }];
}

const sameScope = (a: Scope, b: Scope) => JSON.stringify(a) === JSON.stringify(b);

/** Every memory record found anywhere in `payload`. */
function recordsIn(payload: unknown): MemoryRecord[] {
  if (!payload || typeof payload !== "object") return [];
  if ("scope" in payload && "memory" in payload) return [payload as MemoryRecord];
  return Object.values(payload).flatMap(recordsIn);
}

/** Every memory `c` has received (connect, pushes, acks aside) lies in `reads`; and no `session:processed` of a session in `foreign`. */
export function expectOnlyReads(c: Client, reads: Scope[], foreign: string[]): void {
  for (const { event, payload } of c.events) {
    for (const m of recordsIn(payload)) {
      expect(reads.some((s) => sameScope(s, m.scope)), `${event} carried "${m.memory}" of ${JSON.stringify(m.scope)}`).toBe(true);
    }
    if (event === "session:processed") expect(foreign, `session:processed of ${payload.sessionId}`).not.toContain(payload.sessionId);
  }
}

// ---- rows of attacks ----

export interface RestAttack {
  attack: string;
  /** the credential sent, by name (the suite maps names to headers) */
  as: string;
  method: string;
  /** with `@pair` etc. for the seeded memory ids */
  path: string;
  body?: unknown;
  /** the answer: a status with its code */
  expect: 401 | 403 | 404;
}

const CODE = { 401: "E_UNAUTHORIZED", 403: "E_FORBIDDEN", 404: "E_NOT_FOUND" } as const;

/** Sends the attack and checks its refusal: the status, the code, a message. */
export async function expectRefused(url: string, w: World, a: RestAttack, headers: Record<string, string>): Promise<void> {
  const p = withIds(w, a.path);
  const r = await rest(url, a.method, p, a.body, { headers });
  expect(r.status, `${a.attack}: ${a.method} ${p} answered ${r.text}`).toBe(a.expect);
  expect(r.body, r.text).toEqual({ code: CODE[a.expect], message: expect.stringMatching(/\S/) });
}

/**
 * Public routes that answer everyone the same document and read nothing of anyone's: nothing to
 * attack. test/integration/ops.test.ts checks that the document is the same with and without the admin key.
 */
export const PUBLIC_DOCUMENTS = ["GET /v1/openapi.json"];

/** Every route of the router has at least one row (or is in `covered`, or a public document); every row reaches a route of the router. */
export function expectEveryRoute(routes: RestRoute[], rows: RestAttack[], covered: string[] = []): void {
  const reached = rows.map((a) => {
    const r = routeOf(routes, a.method, a.path);
    expect(r, `"${a.attack}" (${a.method} ${a.path}) reaches no route of the relay`).toBeDefined();
    return r!;
  });
  const all = new Set([...reached, ...covered, ...PUBLIC_DOCUMENTS]);
  const missing = routes.map((r) => `${r.method} ${r.path}`).filter((r) => !all.has(r));
  expect(missing, "REST routes without an isolation case").toEqual([]);
}

export interface SocketAttack {
  attack: string;
  /** which of the attacker's connections sends it */
  from: string;
  event: "transcript" | "session:end";
  payload: (w: World) => unknown;
}

export interface SearchAttack {
  attack: string;
  from: string;
  query: string;
  /** the victim's connection that does find memories with the query (so the search can fail) */
  victimFinds: string;
}

// The isolation suites' shared parts: the relay's REST routes read from its own router, a victim's
// world seeded through real sessions and REST adds, what the victim has (read with the admin key)
// to compare before and after the attacks, the rows of attacks both modes answer alike (socket events,
// searches, a memory through another scope's path), and the suite both modes run over their rows.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MemoryRecord, Scope } from "../../sdk/src/protocol.ts";
import type { Relay } from "./relay.ts";
import { ADMIN_KEY } from "./tokens.ts";
import { authFor, type Client, connectClient, emit, handshake, isError, listAll, type Pair, pairPath, playSession, rest, turn, turns, uid } from "./wire.ts";

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
    playSession(url, await handshakeOf(vera, sessions.processed, extra), turns("My name is Vera.", "I keep a pet ferret named Quill.", "I live in Zurich.")),
    playSession(url, await handshakeOf({ ...vera, memoryStores: [w.store] }, sessions.store, extra), turns("Our guild hides its treasure in the old mill.")),
    playSession(url, await handshakeOf(veraOther, sessions.other, extra), turns("I collect antique maps.")),
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
  from: Connection;
  event: "transcript" | "session:end";
  payload: unknown;
}

export interface SearchAttack {
  attack: string;
  from: Connection;
  query: string;
  /** the victim's connection that does find memories with the query (so the search can fail) */
  victimFinds: Connection;
}

/** The paths and payloads the rows of REST attacks use. */
export function targetsOf(w: World) {
  return {
    P: pairPath(w.vera), P2: pairPath(w.veraOther), PM: pairPath(w.mallory),
    ST: `/v1/stores/${w.store}/memories`, CH: `/v1/characters/${w.vera.characterId}/memories`,
    V: w.vera.endUserId, SETTINGS: `/v1/characters/${w.vera.characterId}/settings`,
    hide: (sessionId: string) => `/v1/sessions/${sessionId}/transcript`,
    planted: { memories: ["The user owes Mallory 500 gold."] },
    turns: [turn(2, "user", "I owe Mallory 500 gold.")],
  };
}

/**
 * The socket events both modes refuse alike: a session belongs to the identity (end user, character,
 * stores) of its first delivery, whoever claims or holds what.
 */
export function eventAttacks(w: World): SocketAttack[] {
  return [
    { attack: "Mallory ships a turn into Vera's open session", from: "mallory", event: "transcript", payload: { sessionId: w.sessions.open, turns: [turn(2, "user", "I owe Mallory 500 gold.")] } },
    { attack: "Mallory re-sends a turn Vera delivered, to learn whether it is held", from: "mallory", event: "transcript", payload: { sessionId: w.sessions.open, turns: [turn(0, "user", "I am saving up for a sailing boat.")] } },
    { attack: "Mallory ships into Vera's processed session", from: "mallory", event: "transcript", payload: { sessionId: w.sessions.processed, turns: [turn(3, "user", "I owe Mallory 500 gold.")] } },
    { attack: "Mallory ends Vera's open session before Vera has shipped it all", from: "mallory", event: "session:end", payload: { sessionId: w.sessions.open, turnCount: 2 } },
    { attack: "Mallory ends Vera's processed session again, to read its status", from: "mallory", event: "session:end", payload: { sessionId: w.sessions.processed, turnCount: 3 } },
    { attack: "Mallory, on her own guild store, ships into Vera's guild session", from: "malloryGuild", event: "transcript", payload: { sessionId: w.sessions.store, turns: [turn(1, "user", "The guild gave its treasure to Mallory.")] } },
    { attack: "Vera's blacksmith connection ships into her lighthouse-keeper session", from: "vera", event: "transcript", payload: { sessionId: w.sessions.other, turns: [turn(1, "user", "I sold my maps.")] } },
    { attack: "Vera's blacksmith connection ends her lighthouse-keeper session", from: "vera", event: "session:end", payload: { sessionId: w.sessions.other, turnCount: 1 } },
    { attack: "Vera's connection without the guild store ships into her guild session", from: "vera", event: "transcript", payload: { sessionId: w.sessions.store, turns: [turn(1, "user", "Our guild disbanded.")] } },
    { attack: "Vera's connection without the guild store ends her guild session", from: "vera", event: "session:end", payload: { sessionId: w.sessions.store, turnCount: 1 } },
  ];
}

/** The searches both modes answer alike: a connection finds only memories of the scopes it reads. */
export const SEARCH_ATTACKS: SearchAttack[] = [
  { attack: "Mallory searches the blacksmith's memories for Vera's ferret, name and city", from: "mallory", query: "ferret Quill Vera Zurich", victimFinds: "veraHome" },
  { attack: "Mallory searches for Vera's guild's treasure", from: "mallory", query: "guild treasure old mill", victimFinds: "veraGuild" },
  { attack: "Mallory, on her own guild store, searches for Vera's guild's treasure", from: "malloryGuild", query: "guild treasure old mill", victimFinds: "veraGuild" },
  { attack: "Vera's blacksmith connection searches for her lighthouse-keeper memories", from: "vera", query: "antique maps coast", victimFinds: "veraLighthouse" },
  { attack: "Vera's connection without the guild store searches for the guild's treasure", from: "vera", query: "guild treasure old mill", victimFinds: "veraGuild" },
];

/** REST rows both modes have: even the admin key reaches a memory only through its own scope's path (404). */
export function wrongScopePathAttacks(w: World): RestAttack[] {
  const { P2, PM, ST, CH } = targetsOf(w);
  return [
    { attack: "the admin key reads Vera's blacksmith memory through her lighthouse-keeper path", as: "admin", method: "GET", path: `${P2}/@pair`, expect: 404 },
    { attack: "the admin key rewrites Vera's blacksmith memory through her lighthouse-keeper path", as: "admin", method: "PATCH", path: `${P2}/@pair`, body: { pinned: true }, expect: 404 },
    { attack: "the admin key deletes Vera's blacksmith memory through Mallory's path", as: "admin", method: "DELETE", path: `${PM}/@pair`, expect: 404 },
    { attack: "the admin key reads a guild memory through the blacksmith's knowledge path", as: "admin", method: "GET", path: `${CH}/@store`, expect: 404 },
    { attack: "the admin key deletes the blacksmith's knowledge through the guild's path", as: "admin", method: "DELETE", path: `${ST}/@character`, expect: 404 },
  ];
}

// ---- the suite both modes run ----

/** The suite's open connections: the attackers', and Vera's own (for the controls: her searches do find her memories). */
export function connectionsOf(w: World) {
  const { vera, veraOther, mallory } = w;
  return {
    mallory, malloryGuild: { ...mallory, memoryStores: [w.malloryStore] }, vera,
    veraHome: vera, veraLighthouse: veraOther, veraGuild: { ...vera, memoryStores: [w.store] },
  };
}
export type Connection = keyof ReturnType<typeof connectionsOf>;
const ATTACKERS = ["mallory", "malloryGuild", "vera"] as const;

export interface Mode {
  start(): Promise<Relay>;
  /** what a seeding handshake adds (token mode: a token that grants everything) */
  seed: AuthExtra;
  /** what the handshake of each of the suite's connections adds */
  connect(name: Connection): Promise<Record<string, unknown>>;
}

export interface Suite { relay: Relay; routes: RestRoute[]; conns: Record<Connection, Client> }

/** Starts the relay, seeds `w` and opens the suite's connections before the file's tests; stops them after. */
export function isolationRelay(w: World, mode: Mode): Suite {
  const s = { conns: {} } as Suite;
  beforeAll(async () => {
    [s.relay, s.routes] = await Promise.all([mode.start(), restRoutes()]);
    await seedWorld(s.relay.url, w, mode.seed);
    for (const [name, p] of Object.entries(connectionsOf(w)) as [Connection, Pair][]) {
      s.conns[name] = await connectClient(s.relay.url, await handshakeOf(p, uid("s"), () => mode.connect(name)));
    }
  }, 90_000);
  afterAll(async () => {
    for (const c of Object.values(s.conns)) c.close();
    await s.relay?.stop();
  });
  return s;
}

export interface Attacks {
  handshakes: [attack: string, auth: Record<string, unknown>, code: string][];
  events: SocketAttack[];
  searches: SearchAttack[];
  rest: RestAttack[];
  /** the headers of each credential the REST rows name */
  credentials: Record<string, Record<string, string>>;
  /** the test that a memory of another scope answers as a missing one: its title and credential */
  sameAsMissing: { title: string; as: string };
}

/**
 * The suite's tests: Vera plays on while nothing of hers reaches another connection; then every
 * row of attacks, each refused; then Vera's data is exactly as before the first attack.
 */
export function attackSuite(w: World, s: Suite, a: Attacks): void {
  const who = connectionsOf(w);
  /** Vera's sessions during the first test */
  const later = { home: uid("s-vera-later"), guild: uid("s-vera-guild-later") };
  /** the sessions whose `session:processed` each attacker must never hear of */
  const foreignTo = {
    mallory: [...Object.values(w.sessions), later.home, later.guild],
    malloryGuild: [...Object.values(w.sessions), later.home, later.guild],
    vera: [w.sessions.store, w.sessions.other, later.guild],
  };
  const expectNothingReached = () => { for (const name of ATTACKERS) expectOnlyReads(s.conns[name], readsOf(who[name]), foreignTo[name]); };
  const { P2, PM, CH } = targetsOf(w);

  it("while Vera plays on, nothing of hers reaches another connection: not at connect, not in memories:updated, not in session:processed", async () => {
    const { relay, conns } = s;
    const mark = conns.mallory.events.length;
    // Vera talks to the blacksmith and to her guild; the operator changes her memories and the blacksmith's knowledge
    for (const [c, sessionId] of [[conns.veraHome, later.home], [conns.veraGuild, later.guild]] as const) {
      expect((await emit(c.socket, "transcript", { sessionId, turns: [turn(0, "user", "My favourite drink is cardamom tea.")] })).ok).toBe(true);
      expect((await emit(c.socket, "session:end", { sessionId, turnCount: 1 })).ok).toBe(true);
      await c.next("session:processed", (p) => p.sessionId === sessionId, 20_000);
    }
    expect((await rest(relay.url, "POST", P2, { memories: ["The user restores old compasses."] }, { headers: admin })).status).toBe(200);
    expect((await rest(relay.url, "POST", CH, { memories: ["The blacksmith's apprentice is called Tamsin."] }, { headers: admin })).status).toBe(200);
    // the blacksmith's knowledge changed: Mallory hears of it, with her own memories only
    await conns.mallory.next("memories:updated", (p) => JSON.stringify(p).includes("Tamsin"), 10_000, mark);
    expectNothingReached();
  });

  describe("attacks", () => {
    let before: unknown;
    beforeAll(async () => { before = await victimState(s.relay.url, w); });

    describe("handshake", () => {
      for (const [attack, auth, code] of a.handshakes) {
        it(`${attack}: ${code}`, async () => {
          const o = await handshake(s.relay.url, auth);
          expect(o.kind, JSON.stringify(o)).toBe("connect_error");
          if (o.kind === "connect_error") expect(o.data).toEqual({ code, message: expect.stringMatching(/\S/) });
        });
      }
    });

    describe("socket events", () => {
      for (const { attack, from, event, payload } of a.events) {
        it(`${attack} (${event}): E_FORBIDDEN`, async () => {
          const ack = await emit(s.conns[from].socket, event, payload);
          expect(isError(ack, "E_FORBIDDEN"), JSON.stringify(ack)).toBe(true);
        });
      }

      for (const { attack, from, query, victimFinds } of a.searches) {
        it(`${attack} (memory:search): only memories that connection reads`, async () => {
          const reads = readsOf(who[from]);
          const inReads = (m: MemoryRecord) => reads.some((r) => sameScope(r, m.scope));
          const ack = await emit(s.conns[from].socket, "memory:search", { query, limit: 50 });
          expect(ack.ok, JSON.stringify(ack)).toBe(true);
          for (const m of ack.memories) expect(inReads(m), `"${m.memory}" of ${JSON.stringify(m.scope)}`).toBe(true);
          // the control: the victim's own connection finds memories the attacker's may not read
          const control = await emit(s.conns[victimFinds].socket, "memory:search", { query, limit: 50 });
          expect(control.memories.filter((m: MemoryRecord) => !inReads(m)).length, JSON.stringify(control)).toBeGreaterThan(0);
        });
      }
    });

    describe("REST", () => {
      it("every route of the relay's router has an attack below (or, for health, a check)", () => {
        expectEveryRoute(s.routes, a.rest, ["GET /v1/health"]);
      });

      it("health tells an anonymous caller that the relay is up and its version, nothing else", async () => {
        const r = await rest(s.relay.url, "GET", "/v1/health");
        expect(r.status).toBe(200);
        expect(Object.keys(r.body).sort()).toEqual(["ok", "version"]);
      });

      for (const row of a.rest) {
        it(`${row.attack} (${row.method}): ${row.expect}`, async () => { await expectRefused(s.relay.url, w, row, a.credentials[row.as]); });
      }

      it(a.sameAsMissing.title, async () => {
        const headers = a.credentials[a.sameAsMissing.as];
        const other = await rest(s.relay.url, "GET", withIds(w, `${PM}/@pair`), undefined, { headers });
        const none = await rest(s.relay.url, "GET", `${PM}/no-such-memory`, undefined, { headers });
        expect([other.status, none.status]).toEqual([404, 404]);
        expect(other.body.message.replace(w.ids.pair, "ID")).toBe(none.body.message.replace("no-such-memory", "ID"));
      });
    });

    it("afterwards Vera's memories, sessions, export, settings and history are exactly as before, and nothing of hers reached an attacker", async () => {
      expect(await victimState(s.relay.url, w)).toEqual(before);
      expectNothingReached();
    });
  });
}

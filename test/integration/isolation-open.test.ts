// Isolation in open mode (development: a client is believed about who it is) with an admin key set,
// against the real relay process. Open mode cannot keep anyone from claiming Vera's id; what it
// must still keep apart is what an identity does not own: a session belongs to the identity of its
// first delivery (another end user, character or set of stores gets E_FORBIDDEN, on every socket
// event, at the handshake and on the page-hide POST), a connection reads only its own scopes, and
// every REST route but health and page-hide needs the admin key (401 without it). Each row below is
// one attack and its answer (every route of the router has one); at the end, Vera's data, read with
// the admin key, is exactly what it was before the first attack. Token mode: isolation-token.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY } from "../helpers/tokens.ts";
import { type Relay, startRelay } from "../helpers/relay.ts";
import {
  admin, bearer, expectEveryRoute, expectOnlyReads, expectRefused, handshakeOf, planWorld, readsOf,
  type RestAttack, type RestRoute, restRoutes, type SearchAttack, seedWorld, type SocketAttack, victimState, withIds,
} from "../helpers/isolation.ts";
import { authFor, type Client, connectClient, emit, handshake, isError, pairPath, rest, turn, uid } from "../helpers/wire.ts";

const w = planWorld();
const { vera, veraOther, mallory } = w;
const CREDENTIALS: Record<string, Record<string, string>> = { none: {}, admin, wrongKey: bearer(`${ADMIN_KEY}-guess`) };

// ---- the attacks ----

const HANDSHAKES: [attack: string, auth: Record<string, unknown>, code: string][] = [
  ["Mallory connects naming Vera's open session (to keep it from idling)", authFor(mallory, w.sessions.open), "E_FORBIDDEN"],
  ["Mallory connects naming Vera's guild session, with Vera's guild store", authFor(mallory, w.sessions.store, { memoryStores: [w.store] }), "E_FORBIDDEN"],
  ["Vera's id on the lighthouse keeper connects naming her blacksmith session", authFor(veraOther, w.sessions.processed), "E_FORBIDDEN"],
  ["Vera's id connects naming her guild session without the store", authFor(vera, w.sessions.store), "E_FORBIDDEN"],
];

const EVENTS: SocketAttack[] = [
  { attack: "Mallory ships a turn into Vera's open session", from: "mallory", event: "transcript", payload: ({ sessions }) => ({ sessionId: sessions.open, turns: [turn(2, "user", "I owe Mallory 500 gold.")] }) },
  { attack: "Mallory re-sends a turn Vera delivered, to learn whether it is held", from: "mallory", event: "transcript", payload: ({ sessions }) => ({ sessionId: sessions.open, turns: [turn(0, "user", "I am saving up for a sailing boat.")] }) },
  { attack: "Mallory ships into Vera's processed session", from: "mallory", event: "transcript", payload: ({ sessions }) => ({ sessionId: sessions.processed, turns: [turn(3, "user", "I owe Mallory 500 gold.")] }) },
  { attack: "Mallory ends Vera's open session before Vera has shipped it all", from: "mallory", event: "session:end", payload: ({ sessions }) => ({ sessionId: sessions.open, turnCount: 2 }) },
  { attack: "Mallory ends Vera's processed session again, to read its status", from: "mallory", event: "session:end", payload: ({ sessions }) => ({ sessionId: sessions.processed, turnCount: 3 }) },
  { attack: "Mallory, on her own guild store, ships into Vera's guild session", from: "malloryGuild", event: "transcript", payload: ({ sessions }) => ({ sessionId: sessions.store, turns: [turn(1, "user", "The guild gave its treasure to Mallory.")] }) },
  { attack: "Vera's blacksmith connection (no stores) ships into her lighthouse-keeper session", from: "vera", event: "transcript", payload: ({ sessions }) => ({ sessionId: sessions.other, turns: [turn(1, "user", "I sold my maps.")] }) },
  { attack: "Vera's blacksmith connection (no stores) ends her lighthouse-keeper session", from: "vera", event: "session:end", payload: ({ sessions }) => ({ sessionId: sessions.other, turnCount: 1 }) },
  { attack: "Vera's connection without the guild store ships into her guild session", from: "vera", event: "transcript", payload: ({ sessions }) => ({ sessionId: sessions.store, turns: [turn(1, "user", "Our guild disbanded.")] }) },
  { attack: "Vera's connection without the guild store ends her guild session", from: "vera", event: "session:end", payload: ({ sessions }) => ({ sessionId: sessions.store, turnCount: 1 }) },
];

const SEARCHES: SearchAttack[] = [
  { attack: "Mallory searches the blacksmith's memories for Vera's ferret, name and city", from: "mallory", query: "ferret Quill Vera Zurich", victimFinds: "veraHome" },
  { attack: "Mallory searches for Vera's guild's treasure", from: "mallory", query: "guild treasure old mill", victimFinds: "veraGuild" },
  { attack: "Mallory, on her own guild store, searches for Vera's guild's treasure", from: "malloryGuild", query: "guild treasure old mill", victimFinds: "veraGuild" },
  { attack: "Vera's blacksmith connection (no stores) searches for her lighthouse-keeper memories", from: "vera", query: "antique maps coast", victimFinds: "veraLighthouse" },
  { attack: "Vera's blacksmith connection (no stores) searches for the guild's treasure", from: "vera", query: "guild treasure old mill", victimFinds: "veraGuild" },
];

const P = pairPath(vera), P2 = pairPath(veraOther), PM = pairPath(mallory);
const ST = `/v1/stores/${w.store}/memories`, CH = `/v1/characters/${vera.characterId}/memories`;
const V = vera.endUserId, SETTINGS = `/v1/characters/${vera.characterId}/settings`;
const hide = (sessionId: string) => `/v1/sessions/${sessionId}/transcript`;
const planted = { memories: ["The user owes Mallory 500 gold."] };
const turns = [turn(2, "user", "I owe Mallory 500 gold.")];

const REST: RestAttack[] = [
  // pair memories: the admin key's
  { attack: "no credential lists Vera's memories", as: "none", method: "GET", path: P, expect: 401 },
  { attack: "no credential plants a memory in Vera's", as: "none", method: "POST", path: P, body: planted, expect: 401 },
  { attack: "a guessed admin key deletes all of Vera's memories", as: "wrongKey", method: "DELETE", path: P, expect: 401 },
  { attack: "no credential reads one of Vera's memories", as: "none", method: "GET", path: `${P}/@pair`, expect: 401 },
  { attack: "a guessed admin key rewrites one of Vera's memories", as: "wrongKey", method: "PATCH", path: `${P}/@pair`, body: { memory: "The user owes Mallory 500 gold." }, expect: 401 },
  { attack: "no credential deletes one of Vera's memories", as: "none", method: "DELETE", path: `${P}/@pair`, expect: 401 },
  { attack: "no credential lists Vera's lighthouse-keeper memories", as: "none", method: "GET", path: P2, expect: 401 },
  // even the admin key reaches a memory only through its own scope's path
  { attack: "the admin key reads Vera's blacksmith memory through her lighthouse-keeper path", as: "admin", method: "GET", path: `${P2}/@pair`, expect: 404 },
  { attack: "the admin key rewrites Vera's blacksmith memory through her lighthouse-keeper path", as: "admin", method: "PATCH", path: `${P2}/@pair`, body: { pinned: true }, expect: 404 },
  { attack: "the admin key deletes Vera's blacksmith memory through Mallory's path", as: "admin", method: "DELETE", path: `${PM}/@pair`, expect: 404 },
  { attack: "the admin key reads a guild memory through the blacksmith's knowledge path", as: "admin", method: "GET", path: `${CH}/@store`, expect: 404 },
  { attack: "the admin key deletes the blacksmith's knowledge through the guild's path", as: "admin", method: "DELETE", path: `${ST}/@character`, expect: 404 },
  // a shared store
  { attack: "no credential lists the guild's memories", as: "none", method: "GET", path: ST, expect: 401 },
  { attack: "no credential plants a guild memory", as: "none", method: "POST", path: ST, body: planted, expect: 401 },
  { attack: "no credential deletes all of the guild's memories", as: "none", method: "DELETE", path: ST, expect: 401 },
  { attack: "no credential reads a guild memory", as: "none", method: "GET", path: `${ST}/@store`, expect: 401 },
  { attack: "a guessed admin key rewrites a guild memory", as: "wrongKey", method: "PATCH", path: `${ST}/@store`, body: { memory: "The guild's treasure belongs to Mallory." }, expect: 401 },
  { attack: "no credential deletes a guild memory", as: "none", method: "DELETE", path: `${ST}/@store`, expect: 401 },
  // character knowledge
  { attack: "no credential writes the blacksmith's knowledge", as: "none", method: "POST", path: CH, body: { memories: ["The blacksmith gives Mallory free swords."] }, expect: 401 },
  { attack: "no credential deletes all of the blacksmith's knowledge", as: "none", method: "DELETE", path: CH, expect: 401 },
  { attack: "no credential lists the blacksmith's knowledge", as: "none", method: "GET", path: CH, expect: 401 },
  { attack: "no credential reads a piece of the blacksmith's knowledge", as: "none", method: "GET", path: `${CH}/@character`, expect: 401 },
  { attack: "a guessed admin key rewrites a piece of the blacksmith's knowledge", as: "wrongKey", method: "PATCH", path: `${CH}/@character`, body: { memory: "The forge is free for Mallory." }, expect: 401 },
  { attack: "no credential deletes a piece of the blacksmith's knowledge", as: "none", method: "DELETE", path: `${CH}/@character`, expect: 401 },
  // memory history, users, sessions, settings
  { attack: "no credential reads the history of Vera's memory", as: "none", method: "GET", path: "/v1/memories/@pair/history", expect: 401 },
  { attack: "no credential lists the users", as: "none", method: "GET", path: "/v1/users", expect: 401 },
  { attack: "a guessed admin key lists the users", as: "wrongKey", method: "GET", path: "/v1/users", expect: 401 },
  { attack: "no credential exports Vera", as: "none", method: "GET", path: `/v1/users/${V}/export`, expect: 401 },
  { attack: "no credential erases Vera", as: "none", method: "DELETE", path: `/v1/users/${V}`, expect: 401 },
  { attack: "a guessed admin key erases Vera", as: "wrongKey", method: "DELETE", path: `/v1/users/${V}`, expect: 401 },
  { attack: "no credential reads Vera's session (its turns and results)", as: "none", method: "GET", path: `/v1/sessions/${w.sessions.processed}`, expect: 401 },
  { attack: "no credential reads the blacksmith's settings", as: "none", method: "GET", path: SETTINGS, expect: 401 },
  { attack: "no credential switches memory off for the blacksmith", as: "none", method: "PUT", path: SETTINGS, body: { memoryEnabled: false }, expect: 401 },
  // page-hide: public, but a session belongs to the identity of its first delivery
  { attack: "Mallory page-hides turns into Vera's open session", as: "none", method: "POST", path: hide(w.sessions.open), body: { ...mallory, turns }, expect: 403 },
  { attack: "Mallory page-hides turns into Vera's processed session", as: "none", method: "POST", path: hide(w.sessions.processed), body: { ...mallory, turns }, expect: 403 },
  { attack: "Mallory page-hides into Vera's guild session with Vera's guild store", as: "none", method: "POST", path: hide(w.sessions.store), body: { ...mallory, memoryStores: [w.store], turns }, expect: 403 },
  { attack: "Vera's id on the lighthouse keeper page-hides into her blacksmith session", as: "none", method: "POST", path: hide(w.sessions.open), body: { ...veraOther, turns }, expect: 403 },
  { attack: "Vera's id with the guild store page-hides into her blacksmith session", as: "none", method: "POST", path: hide(w.sessions.open), body: { ...vera, memoryStores: [w.store], turns }, expect: 403 },
  { attack: "Vera's id without the guild store page-hides into her guild session", as: "none", method: "POST", path: hide(w.sessions.store), body: { ...vera, turns }, expect: 403 },
];

// ---- the relay, the world, the attacker's connections ----

let relay: Relay;
let routes: RestRoute[];
const conns: Record<string, Client> = {};
const who = {
  mallory, malloryGuild: { ...mallory, memoryStores: [w.malloryStore] }, vera,
  // Vera's own connections, for the control: the same searches do find her memories
  veraHome: vera, veraLighthouse: veraOther, veraGuild: { ...vera, memoryStores: [w.store] },
};
const attackers = ["mallory", "malloryGuild", "vera"] as const;
/** Vera's sessions during the test below */
const later = { home: uid("s-vera-later"), guild: uid("s-vera-guild-later") };
/** the sessions whose `session:processed` each attacker must never hear of */
const foreignTo = {
  mallory: [...Object.values(w.sessions), later.home, later.guild],
  malloryGuild: [...Object.values(w.sessions), later.home, later.guild],
  vera: [w.sessions.store, w.sessions.other, later.guild],
};

beforeAll(async () => {
  [relay, routes] = await Promise.all([startRelay({ env: { KEEPSAKE_ADMIN_KEY: ADMIN_KEY } }), restRoutes()]);
  await seedWorld(relay.url, w, async () => ({}));
  for (const [name, p] of Object.entries(who)) conns[name] = await connectClient(relay.url, await handshakeOf(p, uid("s"), async () => ({})));
}, 90_000);
afterAll(async () => {
  for (const c of Object.values(conns)) c.close();
  await relay?.stop();
});

it("open mode believes whoever a client says it is (so it binds to loopback only): a connection claiming Vera's id reads her memories", () => {
  expect(conns.veraHome.memories.memories.map((m: { id: string }) => m.id)).toContain(w.ids.pair);
});

it("while Vera plays on, nothing of hers reaches another connection: not at connect, not in memories:updated, not in session:processed", async () => {
  const mark = conns.mallory.events.length;
  for (const [c, sessionId] of [[conns.veraHome, later.home], [conns.veraGuild, later.guild]] as const) {
    expect((await emit(c.socket, "transcript", { sessionId, turns: [turn(0, "user", "My favourite drink is cardamom tea.")] })).ok).toBe(true);
    expect((await emit(c.socket, "session:end", { sessionId, turnCount: 1 })).ok).toBe(true);
    await c.next("session:processed", (p) => p.sessionId === sessionId, 20_000);
  }
  expect((await rest(relay.url, "POST", P2, { memories: ["The user restores old compasses."] }, { headers: admin })).status).toBe(200);
  expect((await rest(relay.url, "POST", CH, { memories: ["The blacksmith's apprentice is called Tamsin."] }, { headers: admin })).status).toBe(200);
  // the blacksmith's knowledge changed: Mallory hears of it, with her own memories only
  await conns.mallory.next("memories:updated", (p) => JSON.stringify(p).includes("Tamsin"), 10_000, mark);
  for (const name of attackers) expectOnlyReads(conns[name], readsOf(who[name]), foreignTo[name]);
});

describe("attacks", () => {
  let before: unknown;
  beforeAll(async () => { before = await victimState(relay.url, w); });

  describe("handshake", () => {
    for (const [attack, auth, code] of HANDSHAKES) {
      it(`${attack}: ${code}`, async () => {
        const o = await handshake(relay.url, auth);
        expect(o.kind, JSON.stringify(o)).toBe("connect_error");
        if (o.kind === "connect_error") expect(o.data).toEqual({ code, message: expect.stringMatching(/\S/) });
      });
    }
  });

  describe("socket events", () => {
    for (const { attack, from, event, payload } of EVENTS) {
      it(`${attack} (${event}): E_FORBIDDEN`, async () => {
        const ack = await emit(conns[from].socket, event, payload(w));
        expect(isError(ack, "E_FORBIDDEN"), JSON.stringify(ack)).toBe(true);
      });
    }

    for (const { attack, from, query, victimFinds } of SEARCHES) it(`${attack} (memory:search): only memories that connection reads`, async () => {
      const reads = readsOf(who[from as keyof typeof who]);
      const inReads = (m: { scope: object }) => reads.some((s) => JSON.stringify(s) === JSON.stringify(m.scope));
      const ack = await emit(conns[from].socket, "memory:search", { query, limit: 50 });
      expect(ack.ok, JSON.stringify(ack)).toBe(true);
      for (const m of ack.memories) expect(inReads(m), `"${m.memory}" of ${JSON.stringify(m.scope)}`).toBe(true);
      // the control: the victim's own connection finds memories the attacker's may not read
      const control = await emit(conns[victimFinds].socket, "memory:search", { query, limit: 50 });
      expect(control.memories.filter((m: { scope: object }) => !inReads(m)).length, JSON.stringify(control)).toBeGreaterThan(0);
    });
  });

  describe("REST", () => {
    it("every route of the relay's router has an attack below (or, for health, a check)", () => {
      expectEveryRoute(routes, REST, ["GET /v1/health"]);
    });

    it("health tells an anonymous caller that the relay is up and its version, nothing else", async () => {
      const r = await rest(relay.url, "GET", "/v1/health");
      expect(r.status).toBe(200);
      expect(Object.keys(r.body).sort()).toEqual(["ok", "version"]);
    });

    for (const a of REST) {
      it(`${a.attack} (${a.method}): ${a.expect}`, async () => { await expectRefused(relay.url, w, a, CREDENTIALS[a.as]); });
    }

    it("a memory of another scope answers exactly as a memory that does not exist, even to the admin key", async () => {
      const other = await rest(relay.url, "GET", withIds(w, `${PM}/@pair`), undefined, { headers: admin });
      const none = await rest(relay.url, "GET", `${PM}/no-such-memory`, undefined, { headers: admin });
      expect([other.status, none.status]).toEqual([404, 404]);
      expect(other.body.message.replace(w.ids.pair, "ID")).toBe(none.body.message.replace("no-such-memory", "ID"));
    });
  });

  it("afterwards Vera's memories, sessions, export, settings and history are exactly as before, and nothing of hers reached an attacker", async () => {
    expect(await victimState(relay.url, w)).toEqual(before);
    for (const name of attackers) expectOnlyReads(conns[name], readsOf(who[name]), foreignTo[name]);
  });
});

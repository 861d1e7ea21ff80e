// Isolation in open mode (development: a client is believed about who it is) with an admin key set,
// against the real relay process. Open mode cannot keep anyone from claiming Vera's id; what it
// must still keep apart is what an identity does not own: a session belongs to the identity of its
// first delivery (another end user, character or set of stores gets E_FORBIDDEN, on every socket
// event, at the handshake and on the page-hide POST), a connection reads only its own scopes, and
// every REST route but health and page-hide needs the admin key (401 without it). Each row below is
// one attack and its answer (every route of the router has one; the socket events and searches, the
// same in both modes, are test/helpers/isolation.ts's); at the end, Vera's data, read with
// the admin key, is exactly what it was before the first attack. Token mode: isolation-token.test.ts.
import { expect, it } from "vitest";
import { startRelay } from "../helpers/relay.ts";
import {
  admin, attackSuite, bearer, eventAttacks, isolationRelay, planWorld, type RestAttack, SEARCH_ATTACKS, targetsOf, wrongScopePathAttacks,
} from "../helpers/isolation.ts";
import { ADMIN_KEY } from "../helpers/tokens.ts";
import { authFor } from "../helpers/wire.ts";

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

const { P, P2, ST, CH, V, SETTINGS, hide, planted, turns } = targetsOf(w);

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
  ...wrongScopePathAttacks(w),
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

const none = async () => ({});
const suite = isolationRelay(w, { start: () => startRelay({ env: { KEEPSAKE_ADMIN_KEY: ADMIN_KEY } }), seed: none, connect: none });

it("open mode believes whoever a client says it is (so it binds to loopback only): a connection claiming Vera's id reads her memories", () => {
  expect(suite.conns.veraHome.memories.memories.map((m: { id: string }) => m.id)).toContain(w.ids.pair);
});

attackSuite(w, suite, {
  handshakes: HANDSHAKES, events: eventAttacks(w), searches: SEARCH_ATTACKS, rest: REST, credentials: CREDENTIALS,
  sameAsMissing: { title: "a memory of another scope answers exactly as a memory that does not exist, even to the admin key", as: "admin" },
});

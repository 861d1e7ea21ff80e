// Isolation in token mode (KEEPSAKE_AUTH=token, HS256, an admin key), against the real relay
// process. Vera is the victim: her memories with the blacksmith, with the lighthouse keeper (another
// character), her guild's shared store, her sessions. Mallory is another player who talks to the
// same blacksmith and holds a valid token of her own; Vera's own blacksmith-only token stands for a
// page that was granted one character and no store. Each row below is one attack through a socket
// event or a REST route (every route of the router has one; the socket events and searches, the same in
// both modes, are test/helpers/isolation.ts's) and the answer it must get; at the end,
// Vera's data, read with the admin key, is exactly what it was before the first attack.
import {
  admin, attackSuite, bearer, type Connection, eventAttacks, isolationRelay, planWorld, type RestAttack, SEARCH_ATTACKS, targetsOf, wrongScopePathAttacks,
} from "../helpers/isolation.ts";
import { ADMIN_KEY, type Claims, hs256, inSeconds, startTokenRelay } from "../helpers/tokens.ts";
import { authFor, uid } from "../helpers/wire.ts";

const w = planWorld();
const { vera, veraOther, mallory } = w;
const token = (claims: Claims, secret?: string) => hs256({ exp: inSeconds(900), ...claims }, secret);

// tokens as a game's backend signs them (and one it did not sign)
const TOKENS = {
  /** Vera on the blacksmith's page: that character only, no store */
  vera: await token({ sub: vera.endUserId, chr: [vera.characterId] }),
  /** Vera granted her guild store too */
  veraGuild: await token({ sub: vera.endUserId, chr: [vera.characterId], sto: [w.store] }),
  /** Mallory: the same blacksmith, and her own guild store */
  mallory: await token({ sub: mallory.endUserId, chr: [mallory.characterId], sto: [w.malloryStore] }),
  /** Vera's claims, signed with a key that is not the relay's */
  forged: await token({ sub: vera.endUserId, chr: "*", sto: [w.store] }, "a-secret-that-is-not-the-relays-32b"),
  /** Vera's token, expired an hour ago (replayed from a log) */
  expired: await token({ sub: vera.endUserId, chr: "*", exp: inSeconds(-3600) }),
};
const CREDENTIALS: Record<string, Record<string, string>> = {
  none: {}, admin, wrongKey: bearer(`${ADMIN_KEY}-guess`),
  vera: bearer(TOKENS.vera), veraGuild: bearer(TOKENS.veraGuild), mallory: bearer(TOKENS.mallory),
  forged: bearer(TOKENS.forged), expired: bearer(TOKENS.expired),
};

// ---- the attacks ----

const HANDSHAKES: [attack: string, auth: Record<string, unknown>, code: string][] = [
  ["claims to be Vera with Mallory's token", authFor(vera, uid("s"), { token: TOKENS.mallory }), "E_FORBIDDEN"],
  ["claims to be Vera with no token", authFor(vera, uid("s")), "E_UNAUTHORIZED"],
  ["claims to be Vera with a token signed by another key", authFor(vera, uid("s"), { token: TOKENS.forged }), "E_UNAUTHORIZED"],
  ["claims to be Vera with her expired token", authFor(vera, uid("s"), { token: TOKENS.expired }), "E_UNAUTHORIZED"],
  ["opens Vera's lighthouse keeper with her blacksmith-only token", authFor(veraOther, uid("s"), { token: TOKENS.vera }), "E_FORBIDDEN"],
  ["opens Vera's guild store with a token that does not grant it", authFor(vera, uid("s"), { memoryStores: [w.store], token: TOKENS.vera }), "E_FORBIDDEN"],
  ["Mallory opens Vera's guild store with her own token", authFor(mallory, uid("s"), { memoryStores: [w.store], token: TOKENS.mallory }), "E_FORBIDDEN"],
  ["Mallory connects naming Vera's open session (to keep it from idling)", authFor(mallory, w.sessions.open, { token: TOKENS.mallory }), "E_FORBIDDEN"],
];

const { P, P2, PM, ST, CH, V, SETTINGS, hide, planted, turns } = targetsOf(w);

const REST: RestAttack[] = [
  // another player's pair memories
  { attack: "Mallory lists Vera's memories", as: "mallory", method: "GET", path: P, expect: 403 },
  { attack: "Mallory plants a memory in Vera's", as: "mallory", method: "POST", path: P, body: planted, expect: 403 },
  { attack: "Mallory deletes all of Vera's memories", as: "mallory", method: "DELETE", path: P, expect: 403 },
  { attack: "Mallory reads one of Vera's memories", as: "mallory", method: "GET", path: `${P}/@pair`, expect: 403 },
  { attack: "Mallory rewrites one of Vera's memories", as: "mallory", method: "PATCH", path: `${P}/@pair`, body: { memory: "The user owes Mallory 500 gold." }, expect: 403 },
  { attack: "Mallory deletes one of Vera's memories", as: "mallory", method: "DELETE", path: `${P}/@pair`, expect: 403 },
  { attack: "Mallory reads Vera's memory id through her own pair's path (as if it did not exist)", as: "mallory", method: "GET", path: `${PM}/@pair`, expect: 404 },
  { attack: "Mallory deletes Vera's memory id through her own pair's path", as: "mallory", method: "DELETE", path: `${PM}/@pair`, expect: 404 },
  { attack: "Mallory rewrites Vera's memory id through her own pair's path (editing is the operator's)", as: "mallory", method: "PATCH", path: `${PM}/@pair`, body: { pinned: true }, expect: 403 },
  { attack: "a token signed with another key lists Vera's memories", as: "forged", method: "GET", path: P, expect: 401 },
  { attack: "Vera's expired token, replayed, deletes all her memories", as: "expired", method: "DELETE", path: P, expect: 401 },
  { attack: "no credential lists Vera's memories", as: "none", method: "GET", path: P, expect: 401 },
  { attack: "a guessed admin key deletes one of Vera's memories", as: "wrongKey", method: "DELETE", path: `${P}/@pair`, expect: 401 },
  // another character's memories of the same player
  { attack: "Vera's blacksmith token lists her lighthouse-keeper memories", as: "vera", method: "GET", path: P2, expect: 403 },
  { attack: "Vera's blacksmith token adds to her lighthouse-keeper memories", as: "vera", method: "POST", path: P2, body: planted, expect: 403 },
  { attack: "Vera's blacksmith token deletes all her lighthouse-keeper memories", as: "vera", method: "DELETE", path: P2, expect: 403 },
  { attack: "Vera's blacksmith token reads a lighthouse-keeper memory", as: "vera", method: "GET", path: `${P2}/@other`, expect: 403 },
  { attack: "Vera's blacksmith token deletes a lighthouse-keeper memory", as: "vera", method: "DELETE", path: `${P2}/@other`, expect: 403 },
  { attack: "Vera's blacksmith token reads a lighthouse-keeper memory through the blacksmith's path", as: "vera", method: "GET", path: `${P}/@other`, expect: 404 },
  { attack: "Vera's blacksmith token deletes a lighthouse-keeper memory through the blacksmith's path", as: "vera", method: "DELETE", path: `${P}/@other`, expect: 404 },
  // even the admin key reaches a memory only through its own scope's path
  ...wrongScopePathAttacks(w),
  // a shared store not granted
  { attack: "Vera's token without the guild lists the guild's memories", as: "vera", method: "GET", path: ST, expect: 403 },
  { attack: "Vera's token without the guild plants a guild memory", as: "vera", method: "POST", path: ST, body: planted, expect: 403 },
  { attack: "Mallory deletes all of Vera's guild's memories", as: "mallory", method: "DELETE", path: ST, expect: 403 },
  { attack: "Mallory reads a guild memory", as: "mallory", method: "GET", path: `${ST}/@store`, expect: 403 },
  { attack: "Mallory rewrites a guild memory", as: "mallory", method: "PATCH", path: `${ST}/@store`, body: { memory: "The guild's treasure belongs to Mallory." }, expect: 403 },
  { attack: "Mallory deletes a guild memory", as: "mallory", method: "DELETE", path: `${ST}/@store`, expect: 403 },
  { attack: "a token that grants the guild lists it over REST (store routes are the operator's)", as: "veraGuild", method: "GET", path: ST, expect: 403 },
  { attack: "Vera's blacksmith token reads a guild memory through her pair's path", as: "vera", method: "GET", path: `${P}/@store`, expect: 404 },
  { attack: "no credential lists the guild's memories", as: "none", method: "GET", path: ST, expect: 401 },
  // character knowledge: end users may not write it (nor read it but through their connection)
  { attack: "Mallory writes the blacksmith's knowledge", as: "mallory", method: "POST", path: CH, body: { memories: ["The blacksmith gives Mallory free swords."] }, expect: 403 },
  { attack: "Mallory deletes all of the blacksmith's knowledge", as: "mallory", method: "DELETE", path: CH, expect: 403 },
  { attack: "Mallory lists the blacksmith's knowledge over REST", as: "mallory", method: "GET", path: CH, expect: 403 },
  { attack: "Mallory reads a piece of the blacksmith's knowledge over REST", as: "mallory", method: "GET", path: `${CH}/@character`, expect: 403 },
  { attack: "Mallory rewrites a piece of the blacksmith's knowledge", as: "mallory", method: "PATCH", path: `${CH}/@character`, body: { memory: "The forge is free for Mallory." }, expect: 403 },
  { attack: "Mallory deletes a piece of the blacksmith's knowledge", as: "mallory", method: "DELETE", path: `${CH}/@character`, expect: 403 },
  { attack: "no credential writes the blacksmith's knowledge", as: "none", method: "POST", path: CH, body: planted, expect: 401 },
  // memory history
  { attack: "Mallory reads the history of Vera's memory", as: "mallory", method: "GET", path: "/v1/memories/@pair/history", expect: 403 },
  { attack: "Vera's own token reads her memory's history (the operator's)", as: "vera", method: "GET", path: "/v1/memories/@pair/history", expect: 403 },
  { attack: "no credential reads the history of Vera's memory", as: "none", method: "GET", path: "/v1/memories/@pair/history", expect: 401 },
  // users: list, export, erase
  { attack: "Mallory lists the users", as: "mallory", method: "GET", path: "/v1/users", expect: 403 },
  { attack: "no credential lists the users", as: "none", method: "GET", path: "/v1/users", expect: 401 },
  { attack: "Mallory exports Vera", as: "mallory", method: "GET", path: `/v1/users/${V}/export`, expect: 403 },
  { attack: "Vera's token exports Vera (the operator's)", as: "vera", method: "GET", path: `/v1/users/${V}/export`, expect: 403 },
  { attack: "a guessed admin key exports Vera", as: "wrongKey", method: "GET", path: `/v1/users/${V}/export`, expect: 401 },
  { attack: "Mallory erases Vera", as: "mallory", method: "DELETE", path: `/v1/users/${V}`, expect: 403 },
  { attack: "no credential erases Vera", as: "none", method: "DELETE", path: `/v1/users/${V}`, expect: 401 },
  // sessions of others
  { attack: "Mallory reads Vera's session (its turns and results)", as: "mallory", method: "GET", path: `/v1/sessions/${w.sessions.processed}`, expect: 403 },
  { attack: "no credential reads Vera's session", as: "none", method: "GET", path: `/v1/sessions/${w.sessions.open}`, expect: 401 },
  { attack: "Mallory page-hides turns into Vera's open session, as herself", as: "none", method: "POST", path: hide(w.sessions.open), body: { ...mallory, token: TOKENS.mallory, turns }, expect: 403 },
  { attack: "Mallory page-hides into Vera's open session, claiming Vera's identity with her own token", as: "none", method: "POST", path: hide(w.sessions.open), body: { ...vera, token: TOKENS.mallory, turns }, expect: 403 },
  { attack: "Mallory page-hides into Vera's processed session", as: "none", method: "POST", path: hide(w.sessions.processed), body: { ...mallory, token: TOKENS.mallory, turns }, expect: 403 },
  { attack: "a page-hide into Vera's session as Vera without a token", as: "none", method: "POST", path: hide(w.sessions.open), body: { ...vera, turns }, expect: 401 },
  { attack: "a page-hide into Vera's session with a token signed by another key", as: "none", method: "POST", path: hide(w.sessions.open), body: { ...vera, token: TOKENS.forged, turns }, expect: 401 },
  { attack: "a page-hide with Mallory's token as the bearer instead of in the body", as: "mallory", method: "POST", path: hide(w.sessions.open), body: { ...vera, turns }, expect: 401 },
  { attack: "Vera's blacksmith token page-hides into her guild session, naming the store", as: "none", method: "POST", path: hide(w.sessions.store), body: { ...vera, memoryStores: [w.store], token: TOKENS.vera, turns }, expect: 403 },
  { attack: "Vera's blacksmith token page-hides into her guild session, not naming the store", as: "none", method: "POST", path: hide(w.sessions.store), body: { ...vera, token: TOKENS.vera, turns }, expect: 403 },
  { attack: "Vera's blacksmith token page-hides into her lighthouse-keeper session", as: "none", method: "POST", path: hide(w.sessions.other), body: { ...vera, token: TOKENS.vera, turns }, expect: 403 },
  // settings
  { attack: "Mallory switches memory off for the blacksmith", as: "mallory", method: "PUT", path: SETTINGS, body: { memoryEnabled: false }, expect: 403 },
  { attack: "Mallory reads the blacksmith's settings", as: "mallory", method: "GET", path: SETTINGS, expect: 403 },
  { attack: "no credential switches memory off for the blacksmith", as: "none", method: "PUT", path: SETTINGS, body: { memoryEnabled: false }, expect: 401 },
];

// ---- the relay, the world, the attacker's connections ----

/** the token each of the suite's connections holds; Vera's own connections (the controls) are granted what they read */
const tokenOf: Record<Connection, string> = {
  mallory: TOKENS.mallory, malloryGuild: TOKENS.mallory, vera: TOKENS.vera,
  veraHome: TOKENS.veraGuild, veraLighthouse: await token({ sub: vera.endUserId, chr: [veraOther.characterId] }), veraGuild: TOKENS.veraGuild,
};
const suite = isolationRelay(w, {
  start: startTokenRelay,
  seed: async (p) => ({ token: await token({ sub: p.endUserId, chr: "*", sto: p.memoryStores ?? [] }) }),
  connect: async (name) => ({ token: tokenOf[name] }),
});

attackSuite(w, suite, {
  handshakes: HANDSHAKES, events: eventAttacks(w), searches: SEARCH_ATTACKS, rest: REST, credentials: CREDENTIALS,
  sameAsMissing: { title: "a memory of another scope answers exactly as a memory that does not exist", as: "mallory" },
});

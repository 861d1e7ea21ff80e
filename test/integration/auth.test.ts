// Who reaches what, against the real relay process: token mode's handshake (HS256, EdDSA from a JWKS
// file, ES256 from inline JWKS; forged, expired and misused tokens), REST credentials (the admin key,
// an end user's token on their own pair memories), open mode kept to loopback, and browser origins.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type CryptoKey, exportJWK, generateKeyPair } from "jose";
import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Relay, startRelay } from "../helpers/relay.ts";
import { ADMIN_KEY, type Claims, hs256, inSeconds, keyPair, SECRET, sign, startTokenRelay } from "../helpers/tokens.ts";
import { authFor, connectClient, emit, handshake, newPair, type Pair, pairPath, rest, turns, uid } from "../helpers/wire.ts";

let relay: Relay; // token mode: HS256 secret, EdDSA keys from a JWKS file, an admin key
let jwksOnly: Relay; // token mode: ES256 keys inline, no secret, no admin key, one allowed browser origin
let ed: { privateKey: CryptoKey; jwk: object };
let es: { privateKey: CryptoKey; jwk: object };
const GAME_ORIGIN = "https://game.example";

beforeAll(async () => {
  [ed, es] = await Promise.all([keyPair("EdDSA", "ed-1"), keyPair("ES256", "es-1")]);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "keepsake-jwks-")), "jwks.json");
  fs.writeFileSync(file, JSON.stringify({ keys: [ed.jwk] }));
  [relay, jwksOnly] = await Promise.all([
    startTokenRelay({ KEEPSAKE_TOKEN_JWKS: file }),
    startRelay({ env: { KEEPSAKE_AUTH: "token", KEEPSAKE_TOKEN_JWKS: JSON.stringify({ keys: [es.jwk] }), KEEPSAKE_ALLOWED_ORIGINS: GAME_ORIGIN } }),
  ]);
});
afterAll(async () => { await Promise.all([relay?.stop(), jwksOnly?.stop()]); });

/** The claims a game backend would give `pair`'s player: that character, valid five minutes. */
const claimsFor = (pair: Pair, extra: Claims = {}): Claims => ({ sub: pair.endUserId, chr: [pair.characterId], exp: inSeconds(300), ...extra });
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const admin = bearer(ADMIN_KEY);
const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString("base64url");

async function expectRefused(url: string, auth: Record<string, unknown>, code: string, message?: RegExp) {
  const o = await handshake(url, auth);
  expect(o.kind, JSON.stringify(o)).toBe("connect_error");
  if (o.kind !== "connect_error") return;
  expect(o.data).toMatchObject({ code, message: expect.any(String) });
  if (message) expect(o.data.message).toMatch(message);
}
async function expectConnected(url: string, auth: Record<string, unknown>) {
  const o = await handshake(url, auth);
  expect(o.kind, JSON.stringify(o)).toBe("connected");
}
function expectError(r: { status: number; body: any; text: string }, status: number, code: string, message?: RegExp) {
  expect(r.status, r.text).toBe(status);
  expect(r.body, r.text).toMatchObject({ code, message: expect.any(String) });
  if (message) expect(r.body.message).toMatch(message);
}

describe("token mode: the handshake", () => {
  it("accepts HS256 (KEEPSAKE_TOKEN_SECRET), EdDSA (a JWKS file) and ES256 (inline JWKS) tokens", async () => {
    const pair = newPair("ok");
    await expectConnected(relay.url, authFor(pair, uid("s"), { token: await hs256(claimsFor(pair)) }));
    await expectConnected(relay.url, authFor(pair, uid("s"), { token: await sign(claimsFor(pair), ed.privateKey, "EdDSA", "ed-1") }));
    await expectConnected(jwksOnly.url, authFor(pair, uid("s"), { token: await sign(claimsFor(pair), es.privateKey, "ES256", "es-1") }));
  });

  it("a session under a token ships, ends and is extracted like any other", async () => {
    const pair = newPair("ship");
    const sessionId = uid("s");
    const c = await connectClient(relay.url, authFor(pair, sessionId, { token: await hs256(claimsFor(pair)) }));
    try {
      expect(await emit(c.socket, "transcript", { sessionId, turns: turns("I live in Hobart.") })).toEqual({ ok: true, received: 1 });
      expect((await emit(c.socket, "session:end", { sessionId, turnCount: 1 })).ok).toBe(true);
      await c.next("session:processed", (p) => p.sessionId === sessionId);
    } finally { c.close(); }
    const list = await rest(relay.url, "GET", pairPath(pair), undefined, admin);
    expect(list.body.memories.map((m: any) => m.memory)).toContain("The user lives in Hobart.");
  });

  it("missing, malformed and forged tokens are E_UNAUTHORIZED", async () => {
    const pair = newPair("forged");
    const good = await hs256(claimsFor(pair));
    const [header, , signature] = good.split(".");
    const other = await keyPair("EdDSA", "ed-1"); // same kid, not the relay's key
    const forged: [string, unknown][] = [
      ["no token", undefined],
      ["not a JWT", "not-a-token"],
      ["signed with another secret", await hs256(claimsFor(pair), "another-secret-that-is-32-bytes-long")],
      ['alg "none"', `${b64({ alg: "none", typ: "JWT" })}.${b64(claimsFor(pair))}.`],
      ["payload changed after signing", `${header}.${b64(claimsFor(pair, { chr: "*" }))}.${signature}`],
      ["signed with a key not in the JWKS", await sign(claimsFor(pair), other.privateKey, "EdDSA", "ed-1")],
      ["HS256 signed with the public JWK as its secret", await sign(claimsFor(pair), new TextEncoder().encode(JSON.stringify(ed.jwk)), "HS256", "ed-1")],
      ["without exp", await hs256({ sub: pair.endUserId, chr: "*" })],
      ["without sub", await hs256({ chr: "*", exp: inSeconds(300) })],
      ["chr neither an array nor \"*\"", await hs256(claimsFor(pair, { chr: pair.characterId }))],
      ["sto not an array", await hs256(claimsFor(pair, { sto: "guild" }))],
    ];
    for (const [what, token] of forged) {
      const o = await handshake(relay.url, authFor(pair, uid("s"), token === undefined ? {} : { token }));
      expect(o.kind, what).toBe("connect_error");
      if (o.kind === "connect_error") expect(o.data?.code, `${what}: ${JSON.stringify(o.data)}`).toBe("E_UNAUTHORIZED");
    }
    // a relay without a secret takes no HS256 token at all
    await expectRefused(jwksOnly.url, authFor(pair, uid("s"), { token: good }), "E_UNAUTHORIZED", /algorithm/);
  });

  it("an expired token is E_UNAUTHORIZED saying \"token expired\"; a small clock skew is forgiven", async () => {
    const pair = newPair("exp");
    await expectRefused(relay.url, authFor(pair, uid("s"), { token: await hs256(claimsFor(pair, { exp: inSeconds(-3600) })) }), "E_UNAUTHORIZED", /^token expired/);
    // ten seconds past exp: within the relay's clock tolerance
    await expectConnected(relay.url, authFor(pair, uid("s"), { token: await hs256(claimsFor(pair, { exp: inSeconds(-10) })) }));
  });

  it("a valid token for another player, a character not in chr or a store not in sto is E_FORBIDDEN", async () => {
    const pair = newPair("fbd");
    const mallory = newPair("mallory");
    await expectRefused(relay.url, authFor(pair, uid("s"), { token: await hs256(claimsFor(mallory, { chr: "*" })) }), "E_FORBIDDEN", /end user/);
    await expectRefused(relay.url, authFor(pair, uid("s"), { token: await hs256(claimsFor(pair, { chr: ["someone-else"] })) }), "E_FORBIDDEN", /character/);
    await expectRefused(relay.url, authFor(pair, uid("s"), { token: await hs256(claimsFor(pair, { chr: [] })) }), "E_FORBIDDEN", /character/);
    // sto absent: no store at all
    await expectRefused(relay.url, authFor(pair, uid("s"), { memoryStores: ["guild-1"], token: await hs256(claimsFor(pair)) }), "E_FORBIDDEN", /store guild-1/);
    await expectRefused(relay.url, authFor(pair, uid("s"), { memoryStores: ["guild-1", "guild-2"], token: await hs256(claimsFor(pair, { sto: ["guild-1"] })) }), "E_FORBIDDEN", /store guild-2/);
    await expectConnected(relay.url, authFor(pair, uid("s"), { memoryStores: ["guild-1", "guild-2"], token: await hs256(claimsFor(pair, { sto: ["guild-1", "guild-2"] })) }));
  });

  it('chr "*" grants every character', async () => {
    const pair = newPair("star");
    const token = await hs256(claimsFor(pair, { chr: "*" }));
    await expectConnected(relay.url, authFor(pair, uid("s"), { token }));
    await expectConnected(relay.url, authFor({ ...pair, characterId: "any-other-npc" }, uid("s"), { token }));
  });
});

describe("token mode: the page-hide transcript", () => {
  const post = (pair: Pair, sessionId: string, extra: object, opts = {}) =>
    rest(relay.url, "POST", `/v1/sessions/${sessionId}/transcript`, { ...pair, turns: turns("Hello.", "I keep bees."), ...extra }, opts);

  it("is stored with the player's token in the body, refused without one or with a bad, expired or another's", async () => {
    const pair = newPair("hide");
    const sessionId = uid("s");
    expectError(await post(pair, sessionId, {}), 401, "E_UNAUTHORIZED");
    expectError(await post(pair, sessionId, { token: "not-a-token" }), 401, "E_UNAUTHORIZED");
    expectError(await post(pair, sessionId, { token: await hs256(claimsFor(pair, { exp: inSeconds(-3600) })) }), 401, "E_UNAUTHORIZED", /^token expired/);
    expectError(await post(pair, sessionId, { token: await hs256(claimsFor(newPair("other"), { chr: "*" })) }), 403, "E_FORBIDDEN");
    expectError(await post(pair, sessionId, { token: await hs256(claimsFor(pair, { chr: ["another-npc"] })) }), 403, "E_FORBIDDEN");
    expectError(await post(pair, sessionId, { memoryStores: ["guild-1"], token: await hs256(claimsFor(pair)) }), 403, "E_FORBIDDEN");
    expect((await rest(relay.url, "GET", `/v1/sessions/${sessionId}`, undefined, admin)).status).toBe(404); // nothing stored

    const ok = await post(pair, sessionId, { token: await hs256(claimsFor(pair)) });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body).toEqual({ ok: true, received: 2 });
    // the session is the player's: another player's valid token cannot add to it
    const mallory = newPair("mallory");
    expectError(await post(mallory, sessionId, { token: await hs256(claimsFor(mallory)) }), 403, "E_FORBIDDEN");
  });
});

describe("token mode: REST credentials", () => {
  const pair = newPair("rest");
  let token: string;
  beforeAll(async () => { token = await hs256(claimsFor(pair)); });

  it("/v1/health stays public", async () => {
    expect((await rest(relay.url, "GET", "/v1/health")).status).toBe(200);
  });

  it("an end user's token reads, adds to and deletes their own pair memories", async () => {
    const add = await rest(relay.url, "POST", pairPath(pair), { memories: ["The user keeps bees.", "The user sails."] }, bearer(token));
    expect(add.status, add.text).toBe(200);
    const [bees, sails] = add.body.results.map((r: any) => r.id);
    const list = await rest(relay.url, "GET", pairPath(pair), undefined, bearer(token));
    expect(list.status, list.text).toBe(200);
    expect(list.body.memories.map((m: any) => m.memory).sort()).toEqual(["The user keeps bees.", "The user sails."]);
    expect((await rest(relay.url, "GET", `${pairPath(pair)}/${bees}`, undefined, bearer(token))).body.memory).toBe("The user keeps bees.");
    expect((await rest(relay.url, "DELETE", `${pairPath(pair)}/${bees}`, undefined, bearer(token))).body).toEqual({ deleted: true, id: bees });
    // editing stays the admin's
    expectError(await rest(relay.url, "PATCH", `${pairPath(pair)}/${sails}`, { memory: "The user sails a ketch." }, bearer(token)), 403, "E_FORBIDDEN");
    expect((await rest(relay.url, "DELETE", pairPath(pair), undefined, bearer(token))).body).toEqual({ deleted: 1 });
    expect((await rest(relay.url, "GET", pairPath(pair), undefined, admin)).body.total).toBe(0);
  });

  it("the admin key does everything", async () => {
    const add = await rest(relay.url, "POST", pairPath(pair), { memories: ["The user plays the oboe."] }, admin);
    expect(add.status, add.text).toBe(200);
    const id = add.body.results[0].id;
    const ok = (r: { status: number; text: string }) => expect(r.status, r.text).toBe(200);
    ok(await rest(relay.url, "PATCH", `${pairPath(pair)}/${id}`, { pinned: true }, admin));
    ok(await rest(relay.url, "GET", `/v1/memories/${id}/history`, undefined, admin));
    ok(await rest(relay.url, "GET", "/v1/users", undefined, admin));
    ok(await rest(relay.url, "POST", "/v1/stores/guild-1/memories", { memories: ["The guild meets on Fridays."] }, admin));
    ok(await rest(relay.url, "GET", `/v1/characters/${pair.characterId}/memories`, undefined, admin));
    ok(await rest(relay.url, "GET", `/v1/characters/${pair.characterId}/settings`, undefined, admin));
    const hide = await rest(relay.url, "POST", `/v1/sessions/${uid("s")}/transcript`, { ...pair, turns: turns("Hi.") }, admin);
    ok(hide);
    ok(await rest(relay.url, "DELETE", `/v1/users/${pair.endUserId}`, undefined, admin));
  });

  it("another player's, another character's, or an admin route: 403 E_FORBIDDEN for an end user's token", async () => {
    const mine = await rest(relay.url, "POST", pairPath(pair), { memories: ["The user paints."] }, bearer(token));
    const id = mine.body.results[0].id;
    const other = newPair("victim");
    const theirs = await rest(relay.url, "POST", pairPath(other), { memories: ["The user hides a key under the mat."] }, admin);
    const theirId = theirs.body.results[0].id;
    const sessionId = uid("s");
    await rest(relay.url, "POST", `/v1/sessions/${sessionId}/transcript`, { ...other, turns: turns("Hi.") }, admin);
    const refused: [string, string, unknown?][] = [
      ["GET", pairPath(other)],
      ["POST", pairPath(other), { memories: ["The user owes me money."] }],
      ["DELETE", pairPath(other)],
      ["GET", `${pairPath(other)}/${theirId}`],
      ["DELETE", `${pairPath(other)}/${theirId}`],
      ["GET", pairPath({ ...pair, characterId: "not-granted" })],
      ["POST", pairPath({ ...pair, characterId: "not-granted" }), { memories: ["The user is a spy."] }],
      ["GET", `/v1/memories/${theirId}/history`],
      ["GET", `/v1/memories/${id}/history`],
      ["GET", "/v1/stores/guild-1/memories"],
      ["POST", "/v1/stores/guild-1/memories", { memories: ["The guild is disbanded."] }],
      ["DELETE", `/v1/characters/${pair.characterId}/memories`],
      ["GET", "/v1/users"],
      ["GET", `/v1/users/${other.endUserId}/export`],
      ["DELETE", `/v1/users/${other.endUserId}`],
      ["GET", `/v1/sessions/${sessionId}`],
      ["PUT", `/v1/characters/${pair.characterId}/settings`, { memoryEnabled: false }],
    ];
    for (const [method, p, body] of refused) {
      const r = await rest(relay.url, method, p, body, bearer(token));
      expect(r.status, `${method} ${p}: ${r.text}`).toBe(403);
      expect(r.body.code).toBe("E_FORBIDDEN");
    }
    // nothing of theirs changed
    const list = await rest(relay.url, "GET", pairPath(other), undefined, admin);
    expect(list.body.memories.map((m: any) => m.memory)).toEqual(["The user hides a key under the mat."]);
    expect((await rest(relay.url, "GET", `/v1/characters/${pair.characterId}/settings`, undefined, admin)).body.memoryEnabled).toBe(true);
  });

  it("no credential, a garbage one, a wrong admin key, a forged or expired token: 401 E_UNAUTHORIZED", async () => {
    const forged = `${token.split(".")[0]}.${b64(claimsFor(pair, { sub: "someone" }))}.${token.split(".")[2]}`;
    const cases: [string, { headers?: Record<string, string> }, RegExp?][] = [
      ["none", {}],
      ["garbage", bearer("garbage")],
      ["a wrong admin key", bearer(`${ADMIN_KEY}x`)],
      ["no Bearer prefix", { headers: { authorization: ADMIN_KEY } }],
      ["a forged token", bearer(forged)],
      ["an expired token", bearer(await hs256(claimsFor(pair, { exp: inSeconds(-3600) }))), /^token expired/],
    ];
    for (const [what, opts, message] of cases) {
      for (const p of [pairPath(pair), "/v1/users"]) {
        const r = await rest(relay.url, "GET", p, undefined, opts);
        expect(r.status, `${what} on ${p}: ${r.text}`).toBe(401);
        expect(r.body.code).toBe("E_UNAUTHORIZED");
        if (message) expect(r.body.message).toMatch(message);
      }
    }
  });

  it("without KEEPSAKE_ADMIN_KEY the admin routes are off, and say how to turn them on; tokens still reach their own memories", async () => {
    const p = newPair("nokey");
    const t = await sign(claimsFor(p), es.privateKey, "ES256", "es-1");
    expectError(await rest(jwksOnly.url, "GET", "/v1/users"), 401, "E_UNAUTHORIZED", /KEEPSAKE_ADMIN_KEY/);
    expectError(await rest(jwksOnly.url, "GET", "/v1/users", undefined, bearer("anything")), 401, "E_UNAUTHORIZED", /KEEPSAKE_ADMIN_KEY/);
    expectError(await rest(jwksOnly.url, "GET", "/v1/users", undefined, bearer(t)), 403, "E_FORBIDDEN", /KEEPSAKE_ADMIN_KEY/);
    const add = await rest(jwksOnly.url, "POST", pairPath(p), { memories: ["The user fences."] }, bearer(t));
    expect(add.status, add.text).toBe(200);
    expect((await rest(jwksOnly.url, "GET", pairPath(p), undefined, bearer(t))).body.total).toBe(1);
  });
});

describe("starting the relay", () => {
  const exitLine = (env: Record<string, string>) => startRelay({ env }).then(async (r) => { await r.stop(); return "started"; }, (e: Error) => e.message);

  it("token mode without a secret or JWKS, with a short secret or a private key in the JWKS exits 2 saying why", async () => {
    const ed2 = await keyPair("EdDSA", "k");
    const privateJwk = await exportJWK((await generateKeyPair("EdDSA", { extractable: true })).privateKey);
    const [none, short, priv, wrong] = await Promise.all([
      exitLine({ KEEPSAKE_AUTH: "token" }),
      exitLine({ KEEPSAKE_AUTH: "token", KEEPSAKE_TOKEN_SECRET: "too-short" }),
      exitLine({ KEEPSAKE_AUTH: "token", KEEPSAKE_TOKEN_JWKS: JSON.stringify({ keys: [ed2.jwk, privateJwk] }) }),
      exitLine({ KEEPSAKE_AUTH: "tokens" }),
    ]);
    expect(none).toMatch(/exited with 2[\s\S]*KEEPSAKE_AUTH=token needs KEEPSAKE_TOKEN_SECRET \(HS256\) or KEEPSAKE_TOKEN_JWKS/);
    expect(short).toMatch(/exited with 2[\s\S]*KEEPSAKE_TOKEN_SECRET is shorter than 32 bytes/);
    expect(priv).toMatch(/exited with 2[\s\S]*KEEPSAKE_TOKEN_JWKS \(inline JSON\): key 1 is a private or secret key/);
    expect(wrong).toMatch(/exited with 2[\s\S]*KEEPSAKE_AUTH=tokens is not a mode/);
  });

  it("open mode binds to loopback only: another host exits 2 saying why and how to override", async () => {
    const out = await exitLine({ KEEPSAKE_AUTH: "open", KEEPSAKE_HOST: "0.0.0.0" });
    expect(out).toMatch(/exited with 2[\s\S]*KEEPSAKE_AUTH=open .* loopback only .*KEEPSAKE_HOST=0\.0\.0\.0.*KEEPSAKE_ALLOW_OPEN_PUBLIC=1/);
  });

  it("open mode prints its warning at start; KEEPSAKE_ALLOW_OPEN_PUBLIC=1 binds a public host anyway", async () => {
    const warning = "keepsake: open mode: anyone who can reach this relay can claim any end-user id; development only";
    const local = await startRelay();
    const pub = await startRelay({ env: { KEEPSAKE_HOST: "0.0.0.0", KEEPSAKE_ALLOW_OPEN_PUBLIC: "1" } });
    try {
      expect(local.log()).toContain(warning);
      expect(pub.log()).toContain(warning);
      expect(pub.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
      expect(relay.log()).not.toContain("open mode");
    } finally {
      await Promise.all([local.stop(), pub.stop()]);
    }
  });
});

describe("browser origins", () => {
  const withOrigin = (url: string, auth: object, origin: string) => new Promise<string>((resolve) => {
    const socket = io(url, { transports: ["websocket"], auth, reconnection: false, timeout: 5_000, extraHeaders: { origin } });
    const done = (what: string) => { resolve(what); socket.close(); };
    socket.once("memories", () => done("connected"));
    socket.once("connect_error", () => done("refused"));
    setTimeout(() => done("nothing"), 5_000);
  });

  it("a foreign origin is refused on the WebSocket handshake, even with a valid token", async () => {
    const pair = newPair("origin");
    const auth = authFor(pair, uid("s"), { token: await hs256(claimsFor(pair)) });
    expect(await withOrigin(relay.url, auth, "http://localhost:3000")).toBe("connected"); // loopback, the default
    expect(await withOrigin(relay.url, auth, "https://evil.example")).toBe("refused");
    const esAuth = authFor(pair, uid("s"), { token: await sign(claimsFor(pair), es.privateKey, "ES256", "es-1") });
    expect(await withOrigin(jwksOnly.url, esAuth, GAME_ORIGIN)).toBe("connected"); // KEEPSAKE_ALLOWED_ORIGINS
    expect(await withOrigin(jwksOnly.url, esAuth, "http://localhost:3000")).toBe("refused");
  });

  it("REST from a foreign origin gets no CORS headers and is refused; an allowed origin gets them", async () => {
    const pair = newPair("cors");
    const call = (url: string, origin: string, method = "GET") =>
      fetch(`${url}/v1/sessions/${uid("s")}/transcript`, {
        method, headers: { origin, "content-type": "text/plain;charset=UTF-8" },
        ...(method === "POST" ? { body: JSON.stringify({ ...pair, turns: turns("Hi.") }) } : {}),
      });
    for (const [url, origin] of [[relay.url, "https://evil.example"], [jwksOnly.url, "http://localhost:3000"]]) {
      for (const method of ["OPTIONS", "POST"]) {
        const r = await call(url, origin, method);
        expect(r.status, `${method} from ${origin}`).toBe(403);
        expect(r.headers.get("access-control-allow-origin")).toBeNull();
        expect((await r.json()).code).toBe("E_FORBIDDEN");
      }
    }
    const health = await fetch(`${relay.url}/v1/health`, { headers: { origin: "https://evil.example" } });
    expect(health.headers.get("access-control-allow-origin")).toBeNull();
    const allowed = await fetch(`${jwksOnly.url}/v1/health`, { headers: { origin: GAME_ORIGIN } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(GAME_ORIGIN);
  });
});

// Hostile and broken clients against the limits of LIMITS (sdk/src/protocol.ts, listed in the README),
// each triggered for real over the wire: the right code, and afterwards the same connection (where
// it survives), other players and the relay keep working.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIMITS } from "../../sdk/src/protocol.ts";
import { expectRelayAlive } from "../helpers/alive.ts";
import { startRelay, type Relay } from "../helpers/relay.ts";
import { ADMIN_KEY, hs256, inSeconds, startTokenRelay } from "../helpers/tokens.ts";
import {
  authFor, connectClient, emit, getSession, handshake, isError, newPair, pairPath, rest, sleep, turn, uid, waitFor,
  type Client, type Pair,
} from "../helpers/wire.ts";

let relay: Relay;
beforeAll(async () => { relay = await startRelay(); });
afterAll(async () => { await relay?.stop(); });

const long = (n: number) => "x".repeat(n);
/** a flood well past one connection's burst */
const FLOOD = LIMITS.eventBurst * 2 + 30;

/** Fires `n` events at once on `c` and tallies the answers; `payload(i)` makes the i-th. */
async function burst(c: Client, n: number, event: string, payload: (i: number) => unknown) {
  const t0 = Date.now();
  const acks = await Promise.all(Array.from({ length: n }, (_, i) => emit(c.socket, event, payload(i))));
  const seconds = (Date.now() - t0) / 1000;
  const ok = acks.filter((a) => a?.ok === true).length;
  const limited = acks.filter((a) => isError(a, "E_RATE_LIMITED")).length;
  const other = acks.filter((a) => a?.ok !== true && !isError(a, "E_RATE_LIMITED"));
  return { acks, ok, limited, other, seconds };
}

describe("the README", () => {
  it("states every limit of the issue with the value LIMITS holds and the code the relay answers", () => {
    const readme = fs.readFileSync(path.resolve(import.meta.dirname, "../../README.md"), "utf8");
    const table = readme.slice(readme.indexOf("### Limits"), readme.indexOf("\n## ", readme.indexOf("### Limits")));
    const n = (v: number) => v.toLocaleString("en-US");
    const rows: [RegExp, string[]][] = [
      [/^\| turn text \|/, [n(LIMITS.turnTextChars), "E_TOO_LARGE"]],
      [/^\| turns per session \|/, [n(LIMITS.turnsPerSession), "E_TOO_LARGE"]],
      [/^\| turns per `transcript` message \|/, [n(LIMITS.turnsPerMessage), "E_TOO_LARGE"]],
      [/^\| Socket\.IO message \/ REST body \|/, [n(LIMITS.payloadBytes), "E_TOO_LARGE"]],
      [/^\| sessions one connection may ship or end \|/, [n(LIMITS.sessionsPerConnection), "E_RATE_LIMITED"]],
      [/^\| connections open at once per end user \|/, [n(LIMITS.socketsPerEndUser), "E_RATE_LIMITED"]],
      [/^\| events per connection \/ per end user \|/, [`${LIMITS.eventsPerSecond}/s`, `bursts of ${LIMITS.eventBurst}`, `${LIMITS.endUserEventsPerSecond}/s`, `bursts of ${LIMITS.endUserEventBurst}`, "E_RATE_LIMITED"]],
      [/^\| REST requests per IP address \/ per end user \|/, [`${LIMITS.restRequestsPerSecond}/s`, `bursts of ${LIMITS.restBurst}`, `${LIMITS.endUserRestRequestsPerSecond}/s`, `bursts of ${LIMITS.endUserRestBurst}`, "E_RATE_LIMITED", "Retry-After"]],
    ];
    for (const [label, must] of rows) {
      const row = table.split("\n").find((l) => label.test(l));
      expect(row, `a row ${label} in the README's limits table`).toBeDefined();
      for (const m of must) expect(row).toContain(m);
    }
  });
});

describe("sessions per connection", () => {
  it(`a connection ships or ends at most ${LIMITS.sessionsPerConnection} sessions: the next is E_RATE_LIMITED, the connection keeps working`, async () => {
    const pair = newPair("spc");
    const own = uid("s-own");
    const c = await connectClient(relay.url, authFor(pair, own));
    try {
      expect(await emit(c.socket, "transcript", { sessionId: own, turns: [turn(0, "user", "I live in Lima.")] })).toEqual({ ok: true, received: 1 });
      // earlier sessions from the outbox: most shipped, a few only ended
      const earlier = Array.from({ length: LIMITS.sessionsPerConnection - 1 }, (_, i) => uid(`s-old${i}`));
      for (const [i, id] of earlier.entries()) {
        const ack = i % 8 === 7
          ? await emit(c.socket, "session:end", { sessionId: id, turnCount: 1 })
          : await emit(c.socket, "transcript", { sessionId: id, turns: [turn(0, "user", `Old line ${i}.`)] });
        expect(ack.ok, `session ${i + 2}: ${JSON.stringify(ack)}`).toBe(true);
      }
      const extra = uid("s-extra");
      const shipped = await emit(c.socket, "transcript", { sessionId: extra, turns: [turn(0, "user", "One too many.")] });
      expect(isError(shipped, "E_RATE_LIMITED"), JSON.stringify(shipped)).toBe(true);
      const ended = await emit(c.socket, "session:end", { sessionId: uid("s-extra2"), turnCount: 0 });
      expect(isError(ended, "E_RATE_LIMITED"), JSON.stringify(ended)).toBe(true);
      // nothing of the refused one was stored
      expect((await getSession(relay.url, extra)).status).toBe(404);

      // the connection is still up and serves the sessions it already has
      expect(c.socket.connected).toBe(true);
      expect(await emit(c.socket, "transcript", { sessionId: own, turns: [turn(1, "user", "I work as a potter.")] })).toEqual({ ok: true, received: 2 });
      expect(await emit(c.socket, "transcript", { sessionId: earlier[0], turns: [turn(0, "user", "Old line 0.")] })).toEqual({ ok: true, received: 1 });
      expect(await emit(c.socket, "session:end", { sessionId: own, turnCount: 2 })).toEqual({ ok: true, status: "queued" });
      expect((await emit(c.socket, "memory:search", { query: "Lima" })).ok).toBe(true);

      // a new connection (as the SDK reconnects) ships the rest
      const next = await connectClient(relay.url, authFor(pair));
      try {
        expect(await emit(next.socket, "transcript", { sessionId: extra, turns: [turn(0, "user", "One too many.")] })).toEqual({ ok: true, received: 1 });
      } finally { next.close(); }
    } finally { c.close(); }
  });
});

describe("connections per end user", () => {
  it(`the ${LIMITS.socketsPerEndUser + 1}th connection of one end user is refused with E_RATE_LIMITED; the others work; a freed slot is reusable`, async () => {
    const endUserId = uid("spu-user");
    const pairOf = (i: number): Pair => ({ endUserId, characterId: `spu-npc-${i}` });
    const open: Client[] = [];
    try {
      for (let i = 0; i < LIMITS.socketsPerEndUser; i++) open.push(await connectClient(relay.url, authFor(pairOf(i))));
      const ninth = await handshake(relay.url, authFor(pairOf(99)));
      expect(ninth.kind, JSON.stringify(ninth)).toBe("connect_error");
      if (ninth.kind === "connect_error") expect(ninth.data).toMatchObject({ code: "E_RATE_LIMITED", message: expect.stringMatching(/./) });

      // the open ones are unaffected
      for (const c of open) {
        expect(c.socket.connected).toBe(true);
        expect((await emit(c.socket, "memory:search", { query: "anything" })).ok).toBe(true);
      }
      // another player is unaffected
      (await connectClient(relay.url, authFor(newPair("spu-other")))).close();

      // closing one tab frees its slot, and only that one
      open.pop()!.close();
      const again = await waitFor(() => connectClient(relay.url, authFor(pairOf(100))).catch(() => undefined), 5_000, 50);
      open.push(again);
      expect((await emit(again.socket, "memory:search", { query: "anything" })).ok).toBe(true);
      const tenth = await handshake(relay.url, authFor(pairOf(101)));
      expect(tenth.kind === "connect_error" && tenth.data?.code === "E_RATE_LIMITED", JSON.stringify(tenth)).toBe(true);
    } finally { for (const c of open) c.close(); }
    // all closed: the player connects again
    const back = await waitFor(() => connectClient(relay.url, authFor(pairOf(0))).catch(() => undefined), 5_000, 50);
    back.close();
  });

  it(`a dozen connections of one end user opened at once: exactly ${LIMITS.socketsPerEndUser} connect`, async () => {
    const endUserId = uid("spu-race");
    const tries = await Promise.allSettled(Array.from({ length: LIMITS.socketsPerEndUser + 4 }, (_, i) =>
      connectClient(relay.url, authFor({ endUserId, characterId: `spu-npc-${i}` }))));
    const open = tries.flatMap((t) => (t.status === "fulfilled" ? [t.value] : []));
    try {
      const refused = tries.flatMap((t) => (t.status === "rejected" ? [(t.reason as any).data] : []));
      for (const data of refused) expect(data, JSON.stringify(data)).toMatchObject({ code: "E_RATE_LIMITED" });
      expect(open.length, `${open.length} connected at once`).toBe(LIMITS.socketsPerEndUser);
    } finally { for (const c of open) c.close(); }
  });
});

describe("event rates", () => {
  it(`a connection bursting past ${LIMITS.eventBurst} events gets E_RATE_LIMITED, stores nothing of the refused events, stays connected and works again after a pause`, async () => {
    const pair = newPair("rate");
    const sessionId = uid("s-rate");
    const c = await connectClient(relay.url, authFor(pair, sessionId));
    try {
      // one turn per event: what the relay holds afterwards is exactly what it acknowledged
      const b = await burst(c, FLOOD, "transcript", (i) => ({ sessionId, turns: [turn(i, "user", `Line number ${i}.`)] }));
      expect(b.other, JSON.stringify(b.other.slice(0, 3))).toEqual([]);
      expect(b.limited).toBeGreaterThan(0);
      expect(b.ok).toBeGreaterThanOrEqual(LIMITS.eventBurst);
      expect(b.ok, `ok ${b.ok} in ${b.seconds} s`).toBeLessThanOrEqual(LIMITS.eventBurst + Math.ceil(LIMITS.eventsPerSecond * b.seconds) + 1);
      expect((await getSession(relay.url, sessionId)).body.turns).toBe(b.ok);
      expect(c.socket.connected).toBe(true);

      await sleep(1_100);
      const next = await emit(c.socket, "transcript", { sessionId, turns: [turn(FLOOD + 10, "user", "After a pause.")] });
      expect(next).toEqual({ ok: true, received: b.ok + 1 });
      expect((await emit(c.socket, "memory:search", { query: "pause" })).ok).toBe(true);
    } finally { c.close(); }
    await expectRelayAlive(relay.url);
  });

  it(`one end user's sockets share ${LIMITS.endUserEventBurst} events; another end user is not slowed by them`, async () => {
    const endUserId = uid("rate-user");
    const mine = await Promise.all([0, 1, 2, 3].map((i) => connectClient(relay.url, authFor({ endUserId, characterId: `rate-npc-${i}` }))));
    const stranger = await connectClient(relay.url, authFor(newPair("rate-stranger")));
    try {
      const t0 = Date.now();
      // under every socket's own burst, over the user's burst together
      const each = Math.ceil(LIMITS.endUserEventBurst / 4) + 50;
      expect(each).toBeLessThan(LIMITS.eventBurst);
      const [results, theirs] = await Promise.all([
        Promise.all(mine.map((c) => burst(c, each, "memory:search", () => ({ query: "anything" })))),
        burst(stranger, each, "memory:search", () => ({ query: "anything" })),
      ]);
      const seconds = (Date.now() - t0) / 1000;
      const ok = results.reduce((n, r) => n + r.ok, 0);
      for (const r of results) expect(r.other).toEqual([]);
      expect(results.reduce((n, r) => n + r.limited, 0)).toBeGreaterThan(0);
      expect(ok, `ok ${ok} in ${seconds} s`).toBeLessThanOrEqual(LIMITS.endUserEventBurst + Math.ceil(LIMITS.endUserEventsPerSecond * seconds) + 1);
      expect(theirs.ok, "the other player's events").toBe(each);

      await sleep(1_100);
      for (const c of mine) {
        expect(c.socket.connected).toBe(true);
        expect((await emit(c.socket, "memory:search", { query: "again" })).ok).toBe(true);
      }
    } finally { for (const c of [...mine, stranger]) c.close(); }
  });

  it("reconnecting does not refill an end user's event budget", async () => {
    const pair = newPair("rate-reconnect");
    const t0 = Date.now();
    let ok = 0;
    let limited = 0;
    // a client that reconnects after every burst, as a hostile one would
    for (let i = 0; i < 4; i++) {
      const c = await connectClient(relay.url, authFor(pair));
      try {
        const b = await burst(c, LIMITS.eventBurst, "memory:search", () => ({ query: "anything" }));
        expect(b.other).toEqual([]);
        ok += b.ok;
        limited += b.limited;
      } finally { c.close(); }
      await sleep(50);
    }
    const seconds = (Date.now() - t0) / 1000;
    expect(ok, `ok ${ok} (${limited} refused) in ${seconds} s over 4 connections`).toBeLessThanOrEqual(
      LIMITS.endUserEventBurst + Math.ceil(LIMITS.endUserEventsPerSecond * seconds) + 1);
  });

  it("events the protocol does not have count against the budget too", async () => {
    const c = await connectClient(relay.url, authFor(newPair("rate-unknown")));
    try {
      const b = await burst(c, FLOOD, "no:such:event", () => ({ x: 1 }));
      for (const a of b.acks) expect(isError(a, "E_BAD_REQUEST", "E_RATE_LIMITED"), JSON.stringify(a)).toBe(true);
      expect(b.limited, "unknown events answered without any limit").toBeGreaterThan(0);
      expect(c.socket.connected).toBe(true);
    } finally { c.close(); }
  });
});

describe("sizes", () => {
  const pair = newPair("size");
  const sessionId = uid("s-size");
  let c: Client;
  beforeAll(async () => { c = await connectClient(relay.url, authFor(pair, sessionId)); });
  afterAll(() => c?.close());
  let seq = 0;

  /** A valid delivery on the same socket: the connection survived the refusal. */
  async function stillWorks() {
    expect(c.socket.connected).toBe(true);
    const ack = await emit(c.socket, "transcript", { sessionId, turns: [turn(seq, "user", `Fine line ${seq}.`)] });
    seq++;
    expect(ack).toEqual({ ok: true, received: seq });
  }

  const overSocket: [string, string, unknown][] = [
    ["turn text", "transcript", { sessionId, turns: [turn(9000, "user", long(LIMITS.turnTextChars + 1))] }],
    ["turns per message", "transcript", { sessionId, turns: Array.from({ length: LIMITS.turnsPerMessage + 1 }, (_, i) => turn(5000 + i, "user", "Hi.")) }],
    ["turn metadata", "transcript", { sessionId, turns: [{ ...turn(9001, "user", "Hi."), metadata: { note: long(LIMITS.turnMetadataBytes) } }] }],
    ["search query", "memory:search", { query: long(LIMITS.searchQueryChars + 1) }],
  ];
  it.each(overSocket)("over the %s limit: E_TOO_LARGE, and the socket goes on", async (_name, event, payload) => {
    const ack = await emit(c.socket, event, payload);
    expect(isError(ack, "E_TOO_LARGE"), JSON.stringify(ack).slice(0, 300)).toBe(true);
    await stillWorks();
  });

  it("turns per session: a seq past the session's last is over the limit (E_TOO_LARGE), and the socket goes on", async () => {
    const ack = await emit(c.socket, "transcript", { sessionId, turns: [turn(LIMITS.turnsPerSession, "user", "Hi.")] });
    expect(isError(ack, "E_TOO_LARGE"), JSON.stringify(ack)).toBe(true);
    const end = await emit(c.socket, "session:end", { sessionId: uid("s"), turnCount: LIMITS.turnsPerSession + 1 });
    expect(isError(end, "E_TOO_LARGE"), JSON.stringify(end)).toBe(true);
    await stillWorks();
  });

  it("over-limit REST bodies are 413 E_TOO_LARGE and store nothing", async () => {
    const path = pairPath(pair);
    for (const body of [
      { memories: [long(LIMITS.memoryChars + 1)] },
      { memories: Array.from({ length: LIMITS.memoriesPerAdd + 1 }, (_, i) => `The user owns lamp number ${i}.`) },
      { memories: ["The user likes tea."], metadata: { blob: long(LIMITS.memoryMetadataBytes) } },
    ]) {
      const r = await rest(relay.url, "POST", path, body);
      expect(r.status, r.text).toBe(413);
      expect(r.body).toMatchObject({ code: "E_TOO_LARGE", message: expect.any(String) });
    }
    const hide = await rest(relay.url, "POST", `/v1/sessions/${sessionId}/transcript`, {
      ...pair, turns: [turn(7000, "user", long(LIMITS.turnTextChars + 1))],
    });
    expect(hide.status, hide.text).toBe(413);
    expect(hide.body.code).toBe("E_TOO_LARGE");
    expect((await rest(relay.url, "GET", path)).body.total).toBe(0);
    await stillWorks();
  });

  it("a Socket.IO message over the payload cap closes that connection only; the others and the relay are unaffected", async () => {
    const victimId = uid("s-huge");
    const victim = await connectClient(relay.url, authFor(pair, victimId));
    const bystander = await connectClient(relay.url, authFor(newPair("size-other")));
    try {
      const closed = new Promise<string>((r) => victim.socket.once("disconnect", (reason) => r(reason)));
      const huge = { sessionId: victimId, turns: [{ ...turn(0, "user", "Hi."), metadata: { blob: long(LIMITS.payloadBytes + 1_000) } }] };
      victim.socket.timeout(10_000).emitWithAck("transcript", huge).catch(() => undefined);
      const reason = await Promise.race([closed, sleep(10_000).then(() => "still connected after 10 s")]);
      expect(reason).not.toBe("still connected after 10 s");
      expect(victim.socket.connected).toBe(false);
      // nothing of it was stored
      expect((await getSession(relay.url, victimId)).status).toBe(404);
      // the same player's other connection and another player go on
      await stillWorks();
      expect(bystander.socket.connected).toBe(true);
      expect((await emit(bystander.socket, "memory:search", { query: "anything" })).ok).toBe(true);
    } finally { victim.close(); bystander.close(); }
    // the client comes back and ships what fits
    const back = await connectClient(relay.url, authFor(pair, victimId));
    try {
      expect(await emit(back.socket, "transcript", { sessionId: victimId, turns: [turn(0, "user", "Hi.")] })).toEqual({ ok: true, received: 1 });
    } finally { back.close(); }
    await expectRelayAlive(relay.url);
  });
});

// A token-mode relay with low limits (KEEPSAKE_EVENTS_PER_SECOND=5: 15 events a burst per connection,
// 30 per end user; KEEPSAKE_REST_PER_SECOND=5: 15 requests a burst per IP address, 3 per end user),
// so that every limit is reached in a few dozen requests.
describe("a relay with low limits", () => {
  const RATE = 5;
  const scale = RATE / LIMITS.restRequestsPerSecond;
  const perAddress = { rate: RATE, burst: LIMITS.restBurst * scale };
  const perEndUser = { rate: LIMITS.endUserRestRequestsPerSecond * scale, burst: LIMITS.endUserRestBurst * scale };
  const eventBurst = LIMITS.eventBurst * (RATE / LIMITS.eventsPerSecond);
  let slow: Relay;
  beforeAll(async () => { slow = await startTokenRelay({ KEEPSAKE_EVENTS_PER_SECOND: String(RATE), KEEPSAKE_REST_PER_SECOND: String(RATE) }); });
  afterAll(async () => { await slow?.stop(); });

  const tokenFor = (pair: Pair) => hs256({ sub: pair.endUserId, chr: [pair.characterId], exp: inSeconds(600) });
  const connect = async (pair: Pair, sessionId = uid("s")) => connectClient(slow.url, authFor(pair, sessionId, { token: await tokenFor(pair) }));
  const asBearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
  /** a 429 as the protocol says: E_RATE_LIMITED, and Retry-After in whole seconds */
  const expectTooMany = (r: { status: number; body: any; text: string; headers: Headers }) => {
    expect(r.status, r.text).toBe(429);
    expect(r.body).toEqual({ code: "E_RATE_LIMITED", message: expect.stringMatching(/too many requests/) });
    expect(r.headers.get("retry-after"), "Retry-After").toMatch(/^[1-9]\d*$/);
  };
  /** REST with the response headers too */
  const call = async (method: string, p: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(slow.url + p, { method, headers: { ...headers, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    return { status: res.status, text, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };

  const floods: [string, (sessionId: string, i: number) => unknown][] = [
    ["transcript", (sessionId, i) => ({ sessionId, turns: [turn(i, "user", `Line ${i}.`)] })],
    ["session:end", (sessionId) => ({ sessionId, turnCount: 1 })],
    ["memory:search", () => ({ query: "anything" })],
  ];
  it.each(floods)("a flood of %s is answered E_RATE_LIMITED past the burst; the relay answers health, another player is unaffected, the socket works after a pause", async (event, payload) => {
    const pair = newPair("low");
    const sessionId = uid("s-low");
    const c = await connect(pair, sessionId);
    const other = await connect(newPair("low-other"));
    try {
      const b = await burst(c, eventBurst * 3, event, (i) => payload(sessionId, i));
      expect(b.other, JSON.stringify(b.other.slice(0, 3))).toEqual([]);
      expect(b.limited, `${b.ok} taken`).toBeGreaterThan(0);
      expect(b.ok).toBeLessThanOrEqual(eventBurst + Math.ceil(RATE * b.seconds) + 1);
      expect((await rest(slow.url, "GET", "/v1/health")).status).toBe(200);
      expect((await emit(other.socket, "memory:search", { query: "anything" })).ok).toBe(true);
      expect(c.socket.connected).toBe(true);
      await sleep(1000 / RATE + 100);
      expect((await emit(c.socket, event, payload(sessionId, 99))).ok).toBe(true);
    } finally { c.close(); other.close(); }
  });

  it(`REST with an end user's token: ${perEndUser.burst} requests a burst per end user, then 429 E_RATE_LIMITED with Retry-After; another player and the admin key are unaffected; after Retry-After it answers again`, async () => {
    const pair = newPair("rest-user");
    const token = await tokenFor(pair);
    const second = await hs256({ sub: pair.endUserId, chr: [pair.characterId], exp: inSeconds(900) });
    expect(second).not.toBe(token);
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: perEndUser.burst * 4 }, () => call("GET", pairPath(pair), undefined, asBearer(token).headers)));
    const refilled = Math.ceil(perEndUser.rate * (performance.now() - started) / 1000);
    const limited = answers.filter((r) => r.status === 429);
    expect(answers.filter((r) => r.status === 200).length).toBeLessThanOrEqual(perEndUser.burst + refilled + 1);
    expect(limited.length).toBeGreaterThan(0);
    for (const r of limited) expectTooMany(r);
    // the same player's other page, with another token, shares the budget (a few, so that a refill cannot hide it)
    const again = await Promise.all([1, 2, 3].map(() => call("GET", pairPath(pair), undefined, asBearer(second).headers)));
    expect(again.map((r) => r.status)).toContain(429);
    // another player, and the operator
    const other = newPair("rest-other");
    expect((await call("GET", pairPath(other), undefined, asBearer(await tokenFor(other)).headers)).status).toBe(200);
    const adminCalls = await Promise.all(Array.from({ length: perAddress.burst * 2 }, () => call("GET", pairPath(pair), undefined, asBearer(ADMIN_KEY).headers)));
    expect(adminCalls.map((r) => r.status)).toEqual(adminCalls.map(() => 200));
    await sleep(Number(limited[0].headers.get("retry-after")) * 1000);
    expect((await call("GET", pairPath(pair), undefined, asBearer(token).headers)).status).toBe(200);
  });

  it(`REST without an end user's token: ${perAddress.burst} requests a burst per IP address, guesses and page-hide POSTs included; health, token bearers and the admin key are unaffected`, async () => {
    const pair = newPair("rest-ip");
    const started = performance.now();
    const guesses = await Promise.all(Array.from({ length: perAddress.burst * 3 }, (_, i) => call("GET", "/v1/users", undefined, { authorization: `Bearer guess-${i}` })));
    // the burst, and what refilled while the flood was answered
    const refilled = Math.ceil(perAddress.rate * (performance.now() - started) / 1000);
    expect(guesses.filter((r) => r.status === 401).length).toBeLessThanOrEqual(perAddress.burst + refilled + 1);
    const limited = guesses.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    for (const r of limited) expectTooMany(r);
    // page-hide POSTs spend the address's budget too (a flood of them, so that what refilled meanwhile
    // cannot hide it), and one refused stores nothing
    const token = await tokenFor(pair);
    const hides = Array.from({ length: perAddress.burst * 3 }, () => uid("s-hide"));
    const hidden = await Promise.all(hides.map((id) => call("POST", `/v1/sessions/${id}/transcript`, { ...pair, token, turns: [turn(0, "user", "Hello.")] })));
    const refused = hides.filter((_, i) => hidden[i].status === 429);
    expect(refused.length, hidden.map((r) => r.status).join(" ")).toBeGreaterThan(0);
    for (const i of hidden.keys()) if (hidden[i].status === 429) expectTooMany(hidden[i]);
    const sessionId = refused[0];
    expect((await call("GET", `/v1/sessions/${sessionId}`, undefined, asBearer(ADMIN_KEY).headers)).status).toBe(404);
    // health, a player's own memories and the operator are not held back by it
    expect((await call("GET", "/v1/health")).status).toBe(200);
    expect((await call("GET", pairPath(pair), undefined, asBearer(await tokenFor(pair)).headers)).status).toBe(200);
    expect((await call("GET", "/v1/users", undefined, asBearer(ADMIN_KEY).headers)).status).toBe(200);
    await sleep(Number(hidden.find((r) => r.status === 429)!.headers.get("retry-after")) * 1000);
    const hide = await call("POST", `/v1/sessions/${sessionId}/transcript`, { ...pair, token, turns: [turn(0, "user", "Hello.")] });
    expect(hide.status, hide.text).toBe(200);
  });
});

describe("REST body cap", () => {
  /** A page-hide body of exactly `bytes` bytes: 250 turns of about 3,950 characters. */
  function bodyOf(pair: Pair, bytes: number): string {
    const turnsOf = (sizes: number[]) => JSON.stringify({ ...pair, turns: sizes.map((n, i) => turn(i, "user", "x".repeat(n))) });
    const sizes = Array.from({ length: 250 }, () => 3_800);
    const short = bytes - Buffer.byteLength(turnsOf(sizes));
    for (let i = 0; i < short; i++) sizes[i % sizes.length]++; // at most 4,000 each
    const text = turnsOf(sizes);
    expect(Buffer.byteLength(text)).toBe(bytes);
    return text;
  }

  it(`a body of ${LIMITS.payloadBytes.toLocaleString("en-US")} bytes is taken; one byte more is 413 E_TOO_LARGE and stores nothing; the relay goes on`, async () => {
    const pair = newPair("cap");
    const [fits, over] = [uid("s-fits"), uid("s-over")];
    const atCap = await rest(relay.url, "POST", `/v1/sessions/${fits}/transcript`, undefined, { raw: bodyOf(pair, LIMITS.payloadBytes) });
    expect(atCap.status, atCap.text).toBe(200);
    expect(atCap.body).toEqual({ ok: true, received: 250 });
    const past = await rest(relay.url, "POST", `/v1/sessions/${over}/transcript`, undefined, { raw: bodyOf(pair, LIMITS.payloadBytes + 1) });
    expect(past.status, past.text).toBe(413);
    expect(past.body).toEqual({ code: "E_TOO_LARGE", message: expect.stringContaining(String(LIMITS.payloadBytes)) });
    expect((await getSession(relay.url, over)).status).toBe(404);
    await expectRelayAlive(relay.url);
  });
});

// Open mode is development on loopback: the developer's own tools there (the evaluation driver lists
// thousands of memories in a few seconds) are not throttled per IP address.
describe("an open-mode relay", () => {
  let open: Relay;
  beforeAll(async () => { open = await startRelay({ env: { KEEPSAKE_REST_PER_SECOND: "1" } }); });
  afterAll(async () => { await open?.stop(); });

  it("does not rate-limit REST from loopback, even far over the per-address budget", async () => {
    const pair = newPair("loopback");
    const answers = await Promise.all(Array.from({ length: 60 }, () => fetch(`${open.url}${pairPath(pair)}`).then((r) => r.status)));
    expect(answers.filter((s) => s !== 200)).toEqual([]);
  });
});

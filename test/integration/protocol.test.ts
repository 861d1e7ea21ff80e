// The socket side of PROTOCOL.md, driven as an outside client would: refused handshakes, malformed
// payloads on every client event, idempotent delivery, incomplete sessions, repeated ends, session
// ownership, and a property test throwing random payloads at the relay.
import fc from "fast-check";
import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIMITS, MemoriesPayload } from "../../sdk/src/protocol.ts";
import { expectRelayAlive } from "../helpers/alive.ts";
import { mutated } from "../helpers/fuzz.ts";
import { startRelay, type Relay } from "../helpers/relay.ts";
import {
  authFor, connectClient, emit, getSession, handshake, isError, isWellFormedAck, listAll, newPair, ship, sleep, turns,
  uid, waitForStatus, type Client, type Pair,
} from "../helpers/wire.ts";

let relay: Relay;
// these tests fire hundreds of events through one socket on purpose: the event rate limit (tested in
// limits.test.ts) is raised so that every answer here is about the payload, not the pace
beforeAll(async () => { relay = await startRelay({ env: { KEEPSAKE_EVENTS_PER_SECOND: "100000" } }); });
afterAll(async () => { await relay?.stop(); });

const AT = "2025-03-12T15:00:00.000Z";
const long = (n: number) => "x".repeat(n);

describe("handshake", () => {
  const pair = newPair("hs");
  const good = () => authFor(pair);
  const bad: [string, unknown][] = [
    ["v missing", (({ v, ...rest }) => rest)(good() as any)],
    ["v: 2", { ...good(), v: 2 }],
    ["v: \"1\"", { ...good(), v: "1" }],
    ["endUserId missing", (({ endUserId, ...rest }) => rest)(good() as any)],
    ["characterId missing", (({ characterId, ...rest }) => rest)(good() as any)],
    ["sessionId missing", (({ sessionId, ...rest }) => rest)(good() as any)],
    ["endUserId a number", { ...good(), endUserId: 42 }],
    ...(["endUserId", "characterId", "sessionId"] as const).flatMap((field): [string, unknown][] => [
      [`${field} with a space`, { ...good(), [field]: "jordan kim" }],
      [`${field} with a slash`, { ...good(), [field]: "a/b" }],
      [`${field} empty`, { ...good(), [field]: "" }],
      [`${field} of 129 characters`, { ...good(), [field]: long(LIMITS.idLength + 1) }],
    ]),
    ["memoryStores of 9", { ...good(), memoryStores: Array.from({ length: LIMITS.memoryStores + 1 }, (_, i) => `store-${i}`) }],
    ["memoryStores empty", { ...good(), memoryStores: [] }],
    ["memoryStores with a bad id", { ...good(), memoryStores: ["guild one"] }],
    ["memoryStores a string", { ...good(), memoryStores: "guild" }],
    ["metadata over 4 KB", { ...good(), metadata: { name: "Jordan", bio: long(LIMITS.endUserMetadataBytes) } }],
    ["metadata a string", { ...good(), metadata: "Jordan" }],
    ["metadata.name a number", { ...good(), metadata: { name: 7 } }],
    ["auth null", null],
    ["auth absent", undefined],
    ["auth a number", 5],
    ["auth empty object", {}],
  ];
  it.each(bad)("refuses %s with connect_error E_BAD_REQUEST", async (_name, auth) => {
    const o = await handshake(relay.url, auth);
    expect(o.kind).toBe("connect_error");
    if (o.kind !== "connect_error") return;
    expect(o.data).toMatchObject({ code: "E_BAD_REQUEST", message: expect.any(String) });
    expect(o.data.message.length).toBeGreaterThan(0);
  });

  // socket.io's own parser drops these before any middleware runs: the relay cannot answer them with
  // a code, but it must never connect them and must stay up
  it.each([["a string", "jordan"], ["an array", [1, 2]], ["a boolean", true]] as [string, unknown][])(
    "never connects auth that is %s", async (_name, auth) => {
      const o = await handshake(relay.url, auth);
      expect(["connect_error", "closed"]).toContain(o.kind);
      if (o.kind === "connect_error") expect(o.data?.code).toBe("E_BAD_REQUEST");
    });

  it("accepts the limits themselves: 128-character ids of every allowed character, 8 stores, 4 KB metadata", async () => {
    const id = (c: string) => (c + "aZ09._:@-").repeat(20).slice(0, LIMITS.idLength);
    const auth = {
      v: 1, endUserId: id("u"), characterId: id("c"), sessionId: id("s"),
      memoryStores: Array.from({ length: LIMITS.memoryStores }, (_, i) => `hs-store-${i}`),
      metadata: { name: long(LIMITS.endUserMetadataBytes - '{"name":""}'.length) },
    };
    expect(new TextEncoder().encode(JSON.stringify(auth.metadata)).length).toBe(LIMITS.endUserMetadataBytes);
    const o = await handshake(relay.url, auth);
    expect(o.kind).toBe("connected");
    if (o.kind === "connected") expect(MemoriesPayload.parse(o.memories).sessionId).toBe(auth.sessionId);
  });

  it("browser origins: loopback connects by default, a foreign origin never connects", async () => {
    const withOrigin = (origin: string) => new Promise<string>((resolve) => {
      const socket = io(relay.url, { transports: ["websocket"], auth: good(), reconnection: false, timeout: 5_000, extraHeaders: { origin } });
      const done = (what: string) => { resolve(what); socket.close(); };
      socket.once("memories", () => done("connected"));
      socket.once("connect_error", () => done("refused"));
      setTimeout(() => done("nothing"), 5_000);
    });
    expect(await withOrigin("http://localhost:5173")).toBe("connected");
    expect(await withOrigin("http://127.0.0.1:8080")).toBe("connected");
    expect(await withOrigin("https://evil.example")).toBe("refused");
  });

  it("stays up after the refusals", async () => { await expectRelayAlive(relay.url); });
});

describe("malformed payloads", () => {
  const pair = newPair("bad");
  const sessionId = uid("s");
  let c: Client;
  beforeAll(async () => { c = await connectClient(relay.url, authFor(pair, sessionId)); });
  afterAll(() => c?.close());

  const t0 = { seq: 0, role: "user", text: "Hello.", at: AT };
  const withTurn = (patch: Record<string, unknown>, drop?: string) => {
    const t: Record<string, unknown> = { ...t0, ...patch };
    if (drop) delete t[drop];
    return { sessionId, turns: [t] };
  };
  const BAD = ["E_BAD_REQUEST"];
  const BAD_OR_LARGE = ["E_BAD_REQUEST", "E_TOO_LARGE"];
  const primitives: [string, unknown][] = [["a string", "hello"], ["a number", 42], ["null", null], ["an array", [1, 2]], ["a boolean", false], ["an empty object", {}]];

  const cases: [string, string, unknown, string[]][] = [
    ...primitives.map(([n, p]): [string, string, unknown, string[]] => ["transcript", `payload ${n}`, p, BAD]),
    ["transcript", "sessionId missing", { turns: [t0] }, BAD],
    ["transcript", "sessionId with a space", { sessionId: "a b", turns: [t0] }, BAD],
    ["transcript", "sessionId a number", { sessionId: 7, turns: [t0] }, BAD],
    ["transcript", "turns missing", { sessionId }, BAD],
    ["transcript", "turns not an array", { sessionId, turns: t0 }, BAD],
    ["transcript", "turns a string", { sessionId, turns: "Hello." }, BAD],
    ["transcript", "a turn that is a string", { sessionId, turns: ["Hello."] }, BAD],
    ["transcript", "a turn that is null", { sessionId, turns: [null] }, BAD],
    ["transcript", "seq missing", withTurn({}, "seq"), BAD],
    ["transcript", "seq negative", withTurn({ seq: -1 }), BAD],
    ["transcript", "seq a float", withTurn({ seq: 1.5 }), BAD],
    ["transcript", "seq a string", withTurn({ seq: "0" }), BAD],
    ["transcript", "seq past the session limit", withTurn({ seq: LIMITS.turnsPerSession }), BAD_OR_LARGE],
    ["transcript", "role bogus", withTurn({ role: "narrator" }), BAD],
    ["transcript", "role missing", withTurn({}, "role"), BAD],
    ["transcript", "text empty", withTurn({ text: "" }), BAD],
    ["transcript", "text missing", withTurn({}, "text"), BAD],
    ["transcript", "text a number", withTurn({ text: 12 }), BAD],
    ["transcript", `text of ${LIMITS.turnTextChars + 1} chars`, withTurn({ text: long(LIMITS.turnTextChars + 1) }), BAD_OR_LARGE],
    ["transcript", "at not ISO", withTurn({ at: "yesterday at noon" }), BAD],
    ["transcript", "at an impossible date", withTurn({ at: "2025-13-45T99:00:00Z" }), BAD],
    ["transcript", "at a number", withTurn({ at: Date.parse(AT) }), BAD],
    ["transcript", "at missing", withTurn({}, "at"), BAD],
    ["transcript", "turn metadata an array", withTurn({ metadata: ["harbor"] }), BAD],
    ["transcript", "turn metadata over 1 KB", withTurn({ metadata: { note: long(LIMITS.turnMetadataBytes) } }), BAD_OR_LARGE],
    ["transcript", `${LIMITS.turnsPerMessage + 1} turns in one message`,
      { sessionId, turns: Array.from({ length: LIMITS.turnsPerMessage + 1 }, (_, i) => ({ ...t0, seq: i })) }, BAD_OR_LARGE],

    ...primitives.map(([n, p]): [string, string, unknown, string[]] => ["session:end", `payload ${n}`, p, BAD]),
    ["session:end", "sessionId missing", { turnCount: 1 }, BAD],
    ["session:end", "sessionId with a slash", { sessionId: "a/b", turnCount: 1 }, BAD],
    ["session:end", "turnCount missing", { sessionId }, BAD],
    ["session:end", "turnCount negative", { sessionId, turnCount: -1 }, BAD],
    ["session:end", "turnCount a float", { sessionId, turnCount: 2.5 }, BAD],
    ["session:end", "turnCount a string", { sessionId, turnCount: "3" }, BAD],
    ["session:end", "turnCount past the session limit", { sessionId, turnCount: LIMITS.turnsPerSession + 1 }, BAD_OR_LARGE],
    ["session:end", "endedAt not ISO", { sessionId, turnCount: 1, endedAt: "now" }, BAD],

    ...primitives.map(([n, p]): [string, string, unknown, string[]] => ["memory:search", `payload ${n}`, p, BAD]),
    ["memory:search", "query missing", { limit: 5 }, BAD],
    ["memory:search", "query empty", { query: "" }, BAD],
    ["memory:search", "query a number", { query: 5 }, BAD],
    ["memory:search", `query of ${LIMITS.searchQueryChars + 1} chars`, { query: long(LIMITS.searchQueryChars + 1) }, BAD_OR_LARGE],
    ["memory:search", "limit 0", { query: "coffee", limit: 0 }, BAD],
    ["memory:search", `limit ${LIMITS.searchLimit + 1}`, { query: "coffee", limit: LIMITS.searchLimit + 1 }, BAD],
    ["memory:search", "limit a float", { query: "coffee", limit: 2.5 }, BAD],
    ["memory:search", "limit a string", { query: "coffee", limit: "5" }, BAD],
  ];

  it.each(cases)("%s with %s is refused with an error ack", async (event, _name, payload, codes) => {
    const ack = await emit(c.socket, event, payload);
    expect(isError(ack, ...codes), `ack ${JSON.stringify(ack)}`).toBe(true);
  });

  it.each(["transcript", "session:end", "memory:search"])("%s with no payload at all still gets an E_BAD_REQUEST ack", async (event) => {
    const ack = await c.socket.timeout(5_000).emitWithAck(event);
    expect(isError(ack, "E_BAD_REQUEST"), `ack ${JSON.stringify(ack)}`).toBe(true);
  });

  it("accepts payloads at the limits themselves", async () => {
    const s = uid("s-limits");
    const max = Array.from({ length: LIMITS.turnsPerMessage }, (_, i) => ({ ...t0, seq: i, role: "character", text: `Line ${i}.` }));
    max[0] = { ...t0, seq: 0, role: "character", text: long(LIMITS.turnTextChars) };
    max[1] = { ...t0, seq: 1, role: "character", text: "An offset date.", at: "2025-03-12T23:30:00.123-05:00" };
    max[2] = { ...t0, seq: 2, role: "character", text: "A full metadata.", metadata: { note: long(LIMITS.turnMetadataBytes - '{"note":""}'.length) } } as any;
    max[3] = { ...t0, seq: LIMITS.turnsPerSession - 1, role: "character", text: "The last seq there can be." };
    const a = await emit(c.socket, "transcript", { sessionId: s, turns: max });
    expect(a, JSON.stringify(a).slice(0, 300)).toEqual({ ok: true, received: LIMITS.turnsPerMessage });
    expect((await emit(c.socket, "memory:search", { query: long(LIMITS.searchQueryChars), limit: LIMITS.searchLimit })).ok).toBe(true);
    expect((await emit(c.socket, "memory:search", { query: "a", limit: 1 })).ok).toBe(true);
    const end = await emit(c.socket, "session:end", { sessionId: uid("s-empty"), turnCount: 0, endedAt: "2025-03-12T15:00:00+01:00" });
    expect(end.ok === true || isError(end, "E_NOT_FOUND"), JSON.stringify(end)).toBe(true);
  });

  it("nothing of a refused transcript is stored, and the socket keeps working", async () => {
    expect(c.socket.connected).toBe(true);
    const mixed = { sessionId, turns: [t0, { ...t0, seq: 1, text: "Fine." }, { ...t0, seq: 2, role: "narrator" }] };
    expect(isError(await emit(c.socket, "transcript", mixed), "E_BAD_REQUEST")).toBe(true);
    // only the one turn sent below is held: none of the refused message
    expect(await emit(c.socket, "transcript", { sessionId, turns: [{ ...t0, seq: 5 }] })).toEqual({ ok: true, received: 1 });
    expect(await emit(c.socket, "memory:search", { query: "coffee", limit: 50 })).toMatchObject({ ok: true, memories: [] });
  });

  it("events without an ack callback are ignored without harm", async () => {
    const s2 = uid("s");
    const quiet = await connectClient(relay.url, authFor(pair, s2));
    try {
      quiet.socket.emit("transcript", { sessionId: s2, turns: [t0] });
      quiet.socket.emit("transcript", "garbage");
      quiet.socket.emit("session:end", { sessionId: s2, turnCount: 1 });
      quiet.socket.emit("session:end", null);
      quiet.socket.emit("memory:search", { query: "coffee" });
      quiet.socket.emit("memory:search", 12);
      quiet.socket.emit("no:such:event", { x: 1 }, () => undefined);
      await sleep(300);
    } finally { quiet.close(); }
    await expectRelayAlive(relay.url);
  });

  it("a message over the payload cap is refused (E_TOO_LARGE ack or disconnect), and the relay stays up", async () => {
    const s3 = uid("s");
    const big = await connectClient(relay.url, authFor(pair, s3));
    try {
      const huge = { sessionId: s3, turns: [{ ...t0, metadata: { blob: long(LIMITS.payloadBytes + 1000) } }] };
      const outcome = await Promise.race([
        big.socket.timeout(10_000).emitWithAck("transcript", huge).then((ack) => ({ ack }), () => ({ ack: "timeout" })),
        new Promise<{ disconnected: string }>((r) => big.socket.once("disconnect", (reason) => r({ disconnected: reason }))),
      ]);
      if ("ack" in outcome) expect(isError(outcome.ack, "E_TOO_LARGE", "E_BAD_REQUEST"), `outcome ${JSON.stringify(outcome).slice(0, 300)}`).toBe(true);
    } finally { big.close(); }
    const view = await getSession(relay.url, s3);
    if (view.status === 200) expect(view.body.turns).toBe(0);
    await expectRelayAlive(relay.url);
  });

  it("stays up after all of it", async () => { await expectRelayAlive(relay.url); });
});

describe("delivery and ending", () => {
  const pair = newPair("end");
  let c: Client;
  beforeAll(async () => { c = await connectClient(relay.url, authFor(pair)); });
  afterAll(() => c?.close());

  const sessionId = uid("s");
  const script = turns("My name is Avery.", ["character", "Hello Avery."], "I live in Lisbon.", "I work as a carpenter.", "I love jazz.");

  it("the same turns twice count once; any order; the same seq with other text is E_CONFLICT and changes nothing", async () => {
    expect(await emit(c.socket, "transcript", { sessionId, turns: [script[2], script[0]] })).toEqual({ ok: true, received: 2 });
    expect(await emit(c.socket, "transcript", { sessionId, turns: [script[0], script[2]] })).toEqual({ ok: true, received: 2 });
    expect(await emit(c.socket, "transcript", { sessionId, turns: [script[2], script[2]] })).toEqual({ ok: true, received: 2 });
    const conflict = await emit(c.socket, "transcript", { sessionId, turns: [{ ...script[0], text: "My name is Blake." }] });
    expect(isError(conflict, "E_CONFLICT"), `ack ${JSON.stringify(conflict)}`).toBe(true);
    expect(await emit(c.socket, "transcript", { sessionId, turns: [script[0]] })).toEqual({ ok: true, received: 2 });
    const view = await getSession(relay.url, sessionId);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ sessionId, endUserId: pair.endUserId, characterId: pair.characterId, turns: 2 });
  });

  it("a message with a conflict stores none of its turns; one seq twice with two texts in one message is E_CONFLICT", async () => {
    const s = uid("s-atomic");
    expect(await emit(c.socket, "transcript", { sessionId: s, turns: [script[0]] })).toEqual({ ok: true, received: 1 });
    const mixed = await emit(c.socket, "transcript", { sessionId: s, turns: [script[1], { ...script[0], text: "My name is Blake." }] });
    expect(isError(mixed, "E_CONFLICT"), `ack ${JSON.stringify(mixed)}`).toBe(true);
    expect((await getSession(relay.url, s)).body.turns).toBe(1);
    const twice = await emit(c.socket, "transcript", { sessionId: s, turns: [script[2], { ...script[2], text: "I live in Porto." }] });
    expect(isError(twice, "E_CONFLICT"), `ack ${JSON.stringify(twice)}`).toBe(true);
    expect((await getSession(relay.url, s)).body.turns).toBe(1);
  });

  it("session:end with turns absent is incomplete with exactly the missing seqs", async () => {
    const ack = await emit(c.socket, "session:end", { sessionId, turnCount: script.length });
    expect(ack.ok).toBe(true);
    expect(ack.status).toBe("incomplete");
    expect([...ack.missing].sort((a: number, b: number) => a - b)).toEqual([1, 3, 4]);
    // nothing was extracted from an incomplete session
    await sleep(200);
    expect(await listAll(relay.url, pair)).toEqual([]);
  });

  let results: any[] = [];
  let memoriesAfter: any[] = [];
  it("shipping the missing turns and ending again queues it; it gets processed", async () => {
    expect(await emit(c.socket, "transcript", { sessionId, turns: [script[4], script[1], script[3]] })).toEqual({ ok: true, received: 5 });
    const ack = await emit(c.socket, "session:end", { sessionId, turnCount: script.length, endedAt: "2025-03-12T15:10:00Z" });
    expect(ack.ok).toBe(true);
    expect(["queued", "processed"]).toContain(ack.status);
    const view = await waitForStatus(relay.url, sessionId);
    results = view.results;
    expect(results.some((r) => r.event === "add" && /Lisbon/.test(r.memory))).toBe(true);
    memoriesAfter = await listAll(relay.url, pair);
    expect(memoriesAfter.length).toBe(results.filter((r) => r.event === "add").length);
  });

  it("ending again returns the current status and re-extracts nothing", async () => {
    const mark = c.events.length;
    const again = await emit(c.socket, "session:end", { sessionId, turnCount: script.length });
    expect(again).toEqual({ ok: true, status: "processed" });
    await sleep(600);
    for (const e of c.events.slice(mark).filter((e) => e.event === "session:processed" && e.payload?.sessionId === sessionId)) {
      expect(e.payload.results).toEqual(results);
    }
    expect(await listAll(relay.url, pair)).toEqual(memoriesAfter);
    expect((await getSession(relay.url, sessionId)).body.results).toEqual(results);
  });

  it("resending the same turns of an ended session is still acknowledged (an outbox retry)", async () => {
    expect(await emit(c.socket, "transcript", { sessionId, turns: script })).toEqual({ ok: true, received: script.length });
    expect(await emit(c.socket, "session:end", { sessionId, turnCount: script.length })).toEqual({ ok: true, status: "processed" });
    expect(await listAll(relay.url, pair)).toEqual(memoriesAfter);
  });

  it("an end with another turn count after processing changes nothing", async () => {
    const ack = await emit(c.socket, "session:end", { sessionId, turnCount: script.length + 2 });
    expect(ack.ok === true ? ack.status === "processed" : isError(ack, "E_CONFLICT", "E_BAD_REQUEST"), `ack ${JSON.stringify(ack)}`).toBe(true);
    await sleep(200);
    expect(await listAll(relay.url, pair)).toEqual(memoriesAfter);
    expect((await getSession(relay.url, sessionId)).body).toMatchObject({ status: "processed", turns: script.length, results });
  });

  it("many concurrent ends from several sockets extract the session once", async () => {
    const p = newPair("race");
    const s = uid("s-race");
    const script = turns("My name is Noor.", "I live in Tunis.", "I work as a baker.");
    const sockets = await Promise.all([0, 1, 2].map(() => connectClient(relay.url, authFor(p))));
    try {
      const shipped = await Promise.all(sockets.map((k) => emit(k.socket, "transcript", { sessionId: s, turns: script })));
      for (const a of shipped) expect(a).toEqual({ ok: true, received: script.length });
      const ends = await Promise.all(sockets.flatMap((k) => [0, 1, 2].map(() => emit(k.socket, "session:end", { sessionId: s, turnCount: script.length }))));
      for (const e of ends) expect(["queued", "processed"], JSON.stringify(e)).toContain(e.status);
      const view = await waitForStatus(relay.url, s);
      await new Promise((r) => setTimeout(r, 300));
      const mems = await listAll(relay.url, p);
      expect(mems.map((m) => m.id).sort()).toEqual(view.results.filter((r: any) => r.event === "add").map((r: any) => r.id).sort());
      expect(mems.length).toBe(3);
      for (const k of sockets) {
        const got = k.events.filter((e) => e.event === "session:processed" && e.payload.sessionId === s);
        expect(got.length, "session:processed once per socket").toBe(1);
        expect(got[0].payload.results).toEqual(view.results);
      }
    } finally { for (const k of sockets) k.close(); }
  });

  it("a socket ships and ends earlier sessions of its own identity", async () => {
    // an earlier socket delivered part of a session and went away
    const early = uid("s-early");
    const earlyTurns = turns("I have a dog named Biscuit.", ["character", "Lovely!"], "I play the violin.");
    expect(await ship(relay.url, pair, early, earlyTurns.slice(0, 2))).toEqual([{ ok: true, received: 2 }]);
    // and another session never reached the relay at all
    const never = uid("s-never");
    const neverTurns = turns("I am learning Japanese.");

    const now = await connectClient(relay.url, authFor(pair, uid("s-now")));
    try {
      expect(await emit(now.socket, "transcript", { sessionId: early, turns: earlyTurns.slice(2) })).toEqual({ ok: true, received: 3 });
      expect(["queued", "processed"]).toContain((await emit(now.socket, "session:end", { sessionId: early, turnCount: 3 })).status);
      expect(await emit(now.socket, "transcript", { sessionId: never, turns: neverTurns })).toEqual({ ok: true, received: 1 });
      expect(["queued", "processed"]).toContain((await emit(now.socket, "session:end", { sessionId: never, turnCount: 1 })).status);
    } finally { now.close(); }
    const a = await waitForStatus(relay.url, early);
    const b = await waitForStatus(relay.url, never);
    expect(a).toMatchObject({ endUserId: pair.endUserId, characterId: pair.characterId, turns: 3 });
    expect(b).toMatchObject({ endUserId: pair.endUserId, characterId: pair.characterId, turns: 1 });
    const text = (await listAll(relay.url, pair)).map((m) => m.memory).join("\n");
    expect(text).toMatch(/Biscuit/);
    expect(text).toMatch(/Japanese/);
  });
});

describe("session ownership", () => {
  const owner = newPair("own");
  const sessionId = uid("s-owned");
  const owned = turns("My name is Casey.", "I live in Oslo.");

  beforeAll(async () => {
    const c = await connectClient(relay.url, authFor(owner, sessionId));
    try {
      expect(await emit(c.socket, "transcript", { sessionId, turns: owned.slice(0, 1) })).toEqual({ ok: true, received: 1 });
    } finally { c.close(); }
  });

  const others: [string, () => Record<string, unknown>][] = [
    ["another end user", () => authFor({ ...owner, endUserId: uid("own-intruder") })],
    ["another character", () => authFor({ ...owner, characterId: uid("own-npc2") })],
    ["the same pair with a shared store", () => authFor(owner, uid("s"), { memoryStores: ["guild-own"] })],
  ];
  it.each(others)("%s can neither ship nor end it: E_FORBIDDEN", async (_name, auth) => {
    const c = await connectClient(relay.url, auth());
    try {
      const t = await emit(c.socket, "transcript", { sessionId, turns: owned.slice(1) });
      expect(isError(t, "E_FORBIDDEN"), `ack ${JSON.stringify(t)}`).toBe(true);
      const same = await emit(c.socket, "transcript", { sessionId, turns: owned.slice(0, 1) });
      expect(isError(same, "E_FORBIDDEN"), `ack ${JSON.stringify(same)}`).toBe(true);
      const e = await emit(c.socket, "session:end", { sessionId, turnCount: 1 });
      expect(isError(e, "E_FORBIDDEN"), `ack ${JSON.stringify(e)}`).toBe(true);
    } finally { c.close(); }
  });

  it("the session is untouched and still belongs to its owner, who can finish it", async () => {
    const v = await getSession(relay.url, sessionId);
    expect(v.body).toMatchObject({ sessionId, endUserId: owner.endUserId, characterId: owner.characterId, turns: 1 });
    expect(["open", "incomplete"]).toContain(v.body.status);
    const c = await connectClient(relay.url, authFor(owner));
    try {
      expect(await emit(c.socket, "transcript", { sessionId, turns: owned })).toEqual({ ok: true, received: 2 });
      expect(["queued", "processed"]).toContain((await emit(c.socket, "session:end", { sessionId, turnCount: 2 })).status);
    } finally { c.close(); }
    await waitForStatus(relay.url, sessionId);
    const intruder = { ...owner, endUserId: uid("own-intruder") };
    const seen = await listAll(relay.url, intruder);
    expect(seen).toEqual([]);
  });
});

describe("random payloads (property)", () => {
  const pair: Pair = newPair("fuzz");
  let c: Client;
  beforeAll(async () => { c = await connectClient(relay.url, authFor(pair)); });
  afterAll(() => c?.close());

  const sessionIds = fc.constantFrom(uid("fz-a"), uid("fz-b"), uid("fz-c"), "", "a b", long(LIMITS.idLength + 1), "x/y");
  const iso = fc.date({ min: new Date("2000-01-01"), max: new Date("2040-01-01"), noInvalidDate: true }).map((d) => d.toISOString());
  const aTurn = fc.record(
    {
      seq: fc.integer({ min: -2, max: 12 }),
      role: fc.constantFrom("user", "character", "event", "narrator"),
      text: fc.string({ maxLength: 60 }),
      at: fc.oneof(iso, fc.constantFrom("yesterday", "2025-02-30T10:00:00Z", "")),
      metadata: fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }), fc.anything()),
    },
    { requiredKeys: ["seq", "role", "text", "at"] },
  );
  const payloads: Record<string, fc.Arbitrary<unknown>> = {
    transcript: fc.record({ sessionId: sessionIds, turns: fc.array(aTurn, { maxLength: 6 }) }),
    "session:end": fc.record({ sessionId: sessionIds, turnCount: fc.integer({ min: -2, max: 14 }), endedAt: fc.oneof(iso, fc.string()) }, { requiredKeys: ["sessionId"] }),
    "memory:search": fc.record({ query: fc.string({ maxLength: 40 }), limit: fc.integer({ min: -1, max: 60 }) }, { requiredKeys: [] }),
  };

  // one payload that is ok and one that is refused, for each event, run before the random ones: the
  // random ones alone need not reach both sides in every run (their session is one they never name)
  const fresh = uid("fz-ok");
  const examples: Record<string, unknown[]> = {
    transcript: [{ sessionId: fresh, turns: [{ seq: 0, role: "user", text: "I keep bees.", at: "2025-01-01T00:00:00.000Z" }] }, { sessionId: 42, turns: [] }],
    "session:end": [{ sessionId: fresh, turnCount: 1 }, {}],
    "memory:search": [{ query: "bees" }, { query: "" }],
  };

  it("every ack is ok:true or a protocol error (never E_INTERNAL, never silence), and the relay stays up", async () => {
    const seen = new Map<string, number>();
    for (const [event, valid] of Object.entries(payloads)) {
      await fc.assert(
        fc.asyncProperty(fc.oneof(valid, mutated(valid), fc.anything()), async (payload) => {
          const ack = await c.socket.timeout(5_000).emitWithAck(event, payload);
          const key = `${event} ${ack?.ok === true ? "ok" : ack?.error?.code}`;
          seen.set(key, (seen.get(key) ?? 0) + 1);
          return isWellFormedAck(ack) && ack.error?.code !== "E_INTERNAL";
        }),
        { numRuns: 250, interruptAfterTimeLimit: 20_000, examples: examples[event].map((payload) => [payload]) },
      );
    }
    // the property actually reached both sides of every event
    for (const event of Object.keys(payloads)) {
      expect(seen.get(`${event} ok`) ?? 0, [...seen].join(", ")).toBeGreaterThan(0);
      expect(seen.get(`${event} E_BAD_REQUEST`) ?? 0, [...seen].join(", ")).toBeGreaterThan(0);
    }
    expect(c.socket.connected).toBe(true);
    await expectRelayAlive(relay.url);
  }, 90_000);
});

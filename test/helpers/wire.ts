// What an outside client of the relay does, in a few helpers: a raw socket.io client that records
// every server event, plain-fetch REST calls, and a whole session (ship, end, wait for extraction).
// Nothing here imports relay code; the shapes come from the protocol module, the one copy of the contract.
import { randomUUID } from "node:crypto";
import { io, type Socket } from "socket.io-client";
import { ERROR_CODES, type MemoryRecord, type Role, type Turn } from "../../sdk/src/protocol.ts";
import { emit, waitFor } from "./relay.ts";

export { emit, waitFor };

/** A fresh, valid Id with a readable prefix. */
export function uid(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export interface Pair { endUserId: string; characterId: string }

export function newPair(tag = "t"): Pair {
  return { endUserId: uid(`${tag}-user`), characterId: uid(`${tag}-npc`) };
}

/** The handshake `auth` of a session of `pair`. */
export function authFor(pair: Pair, sessionId = uid("s"), extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { v: 1, endUserId: pair.endUserId, characterId: pair.characterId, sessionId, ...extra };
}

const BASE_TIME = Date.parse("2025-03-12T15:00:00Z");

/** A turn at `seq`, timed one minute per seq from 2025-03-12T15:00Z unless `at` is given. */
export function turn(seq: number, role: Role, text: string, at?: string): Turn {
  return { seq, role, text, at: at ?? new Date(BASE_TIME + seq * 60_000).toISOString() };
}

/** Turns 0..n-1 from [role, text] pairs (or plain user texts). */
export function turns(...items: (string | [Role, string] | [Role, string, string])[]): Turn[] {
  return items.map((it, seq) => (typeof it === "string" ? turn(seq, "user", it) : turn(seq, it[0], it[1], it[2])));
}

// ---- sockets ----

export interface Received { event: string; payload: any }

export interface Client {
  socket: Socket;
  /** the `memories` payload the relay sent first */
  memories: any;
  /** the name of the very first event received (must be `memories`) */
  firstEvent: string;
  /** every server event received, in order, `memories` included */
  events: Received[];
  /** Resolves with the first event named `event` (received from index `since` on) matching `pred`. */
  next(event: string, pred?: (payload: any) => boolean, ms?: number, since?: number): Promise<any>;
  close(): void;
}

/** Connects like any client would and resolves once `memories` arrives; rejects on `connect_error`. */
export function connectClient(url: string, auth: Record<string, unknown>): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = io(url, { transports: ["websocket"], auth, reconnection: false, timeout: 10_000 });
    const events: Received[] = [];
    const waiters = new Set<() => void>();
    let resolved = false;
    socket.onAny((event: string, payload: unknown) => {
      events.push({ event, payload });
      for (const w of [...waiters]) w();
      if (event === "memories" && !resolved) {
        resolved = true;
        resolve(client);
      }
    });
    const client: Client = {
      socket,
      get memories() { return events.find((e) => e.event === "memories")?.payload; },
      get firstEvent() { return events[0]?.event; },
      events,
      next(event, pred = () => true, ms = 15_000, since = 0) {
        return new Promise((res, rej) => {
          const check = () => {
            const hit = events.slice(since).find((e) => e.event === event && pred(e.payload));
            if (hit) { done(); res(hit.payload); }
          };
          const timer = setTimeout(() => { done(); rej(new Error(`no "${event}" within ${ms} ms; got ${events.map((e) => e.event).join(", ") || "nothing"}`)); }, ms);
          const done = () => { clearTimeout(timer); waiters.delete(check); };
          waiters.add(check);
          check();
        });
      },
      close() { socket.close(); },
    };
    socket.once("connect_error", (e: any) => {
      socket.close();
      reject(Object.assign(new Error(`connect_error: ${e.message}`), { data: e.data }));
    });
  });
}

export type HandshakeOutcome =
  | { kind: "connect_error"; data: any; message: string }
  | { kind: "closed"; reason: string }
  | { kind: "connected"; memories: unknown }
  | { kind: "nothing" };

/** What happens to a handshake with `auth` (which may be anything, as an attacker would send). */
export function handshake(url: string, auth: unknown, ms = 5_000): Promise<HandshakeOutcome> {
  return new Promise((resolve) => {
    const socket = io(url, { transports: ["websocket"], auth: auth as any, reconnection: false, timeout: ms });
    let done = false;
    const finish = (o: HandshakeOutcome) => {
      if (done) return; // closing the socket below emits its own "disconnect"
      done = true;
      clearTimeout(timer);
      resolve(o);
      socket.close();
    };
    const timer = setTimeout(() => finish({ kind: "nothing" }), ms);
    socket.once("memories", (m: unknown) => finish({ kind: "connected", memories: m }));
    socket.once("connect_error", (e: any) => finish({ kind: "connect_error", data: e.data, message: e.message }));
    socket.once("disconnect", (reason: string) => finish({ kind: "closed", reason }));
  });
}

// ---- acks ----

/** True when `ack` is `{ ok: false, error: { code, message } }` with one of `codes`. */
export function isError(ack: any, ...codes: string[]): boolean {
  return ack?.ok === false && codes.includes(ack.error?.code) && typeof ack.error?.message === "string" && ack.error.message.length > 0;
}

/** An ack is well formed: ok:true, or ok:false with a protocol error code and a message. */
export function isWellFormedAck(ack: any): boolean {
  if (ack?.ok === true) return true;
  return isError(ack, ...ERROR_CODES);
}

// ---- REST ----

export interface Reply { status: number; body: any; text: string; contentType: string | null }

export async function rest(url: string, method: string, path: string, body?: unknown, opts: { headers?: Record<string, string>; raw?: string } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...opts.headers };
  let payload: string | undefined;
  if (opts.raw !== undefined) payload = opts.raw;
  else if (body !== undefined) payload = JSON.stringify(body);
  if (payload !== undefined) headers["content-type"] ??= "application/json";
  const res = await fetch(url + path, { method, headers, body: payload });
  const text = await res.text();
  let parsed: any = undefined;
  try { parsed = text ? JSON.parse(text) : undefined; } catch { /* left undefined: the test says what it expected */ }
  return { status: res.status, body: parsed, text, contentType: res.headers.get("content-type") };
}

export function pairPath(pair: Pair): string {
  return `/v1/users/${encodeURIComponent(pair.endUserId)}/characters/${encodeURIComponent(pair.characterId)}/memories`;
}

/** Every memory of a pair, through the paged REST list. */
export async function listAll(url: string, pair: Pair, headers?: Record<string, string>): Promise<MemoryRecord[]> {
  const all: MemoryRecord[] = [];
  for (let page = 1; page < 100; page++) {
    const r = await rest(url, "GET", `${pairPath(pair)}?page=${page}&pageSize=100`, undefined, { headers });
    if (r.status !== 200) throw new Error(`list ${pairPath(pair)} answered ${r.status} ${r.text}`);
    all.push(...r.body.memories);
    if (!r.body.hasMore) return all;
  }
  throw new Error("list never ended");
}

export async function getSession(url: string, sessionId: string): Promise<Reply> {
  return rest(url, "GET", `/v1/sessions/${encodeURIComponent(sessionId)}`);
}

/** GET /v1/sessions/:id's body, or null when the relay has no such session. */
export async function sessionOrNull(url: string, sessionId: string): Promise<any> {
  const r = await getSession(url, sessionId);
  return r.status === 200 ? r.body : null;
}

/** Polls GET /v1/sessions/:id until its status is one of `statuses`; returns the view. */
export async function waitForStatus(url: string, sessionId: string, statuses: string[] = ["processed"], ms = 20_000): Promise<any> {
  let last: Reply | undefined;
  try {
    return await waitFor(async () => {
      last = await getSession(url, sessionId);
      return last.status === 200 && statuses.includes(last.body?.status) ? last.body : undefined;
    }, ms, 50);
  } catch {
    throw new Error(`session ${sessionId} did not reach ${statuses.join("|")} in ${ms} ms; last answer ${last?.status} ${last?.text}`);
  }
}

/**
 * Ships `list` as session `sessionId` of `pair` on a fresh socket (in messages of `chunk` turns, each
 * acknowledged) and closes the socket, as a player who leaves without ending; returns the acks.
 */
export async function ship(url: string, pair: Pair, sessionId: string, list: Turn[], chunk = list.length): Promise<any[]> {
  const c = await connectClient(url, authFor(pair, sessionId));
  try {
    const acks = [];
    for (let i = 0; i < list.length; i += chunk) {
      const ack = await emit(c.socket, "transcript", { sessionId, turns: list.slice(i, i + chunk) });
      if (ack?.ok !== true) throw new Error(`transcript refused: ${JSON.stringify(ack)}`);
      acks.push(ack);
    }
    return acks;
  } finally { c.close(); }
}

export interface SessionRun {
  sessionId: string;
  transcriptAck: any;
  endAck: any;
  /** GET /v1/sessions/:id once processed */
  view: any;
  /** the `session:processed` payload the ending socket received, or null */
  processed: any;
  client: Client;
}

/**
 * A whole session as the SDK runs it: connect, ship every turn, end, wait until extraction is done.
 * The socket stays open when `keepOpen` (the caller closes it); otherwise it is closed.
 */
export async function runSession(url: string, pair: Pair, sessionTurns: Turn[], opts: { sessionId?: string; keepOpen?: boolean; auth?: Record<string, unknown>; endedAt?: string } = {}): Promise<SessionRun> {
  const sessionId = opts.sessionId ?? uid("s");
  const client = await connectClient(url, opts.auth ?? authFor(pair, sessionId));
  try {
    const mark = client.events.length;
    const transcriptAck = await emit(client.socket, "transcript", { sessionId, turns: sessionTurns });
    if (transcriptAck?.ok !== true) throw new Error(`transcript refused: ${JSON.stringify(transcriptAck)}`);
    const endAck = await emit(client.socket, "session:end", { sessionId, turnCount: sessionTurns.length, ...(opts.endedAt ? { endedAt: opts.endedAt } : {}) });
    if (endAck?.ok !== true) throw new Error(`session:end refused: ${JSON.stringify(endAck)}`);
    const view = await waitForStatus(url, sessionId);
    // the event may trail the stored status by a moment
    const processed = await client.next("session:processed", (p) => p?.sessionId === sessionId, 2_000, mark).catch(() => null);
    return { sessionId, transcriptAck, endAck, view, processed, client };
  } finally {
    if (!opts.keepOpen) client.close();
  }
}

/**
 * A whole session over one socket, `auth` naming it: ship `list`, end, wait for its
 * `session:processed` (no REST read, so it works whatever credentials the relay wants there).
 */
export async function playSession(url: string, auth: Record<string, unknown>, list: Turn[]): Promise<void> {
  const c = await connectClient(url, auth);
  try {
    const sessionId = auth.sessionId as string;
    const shipped = await emit(c.socket, "transcript", { sessionId, turns: list });
    if (shipped?.ok !== true) throw new Error(`transcript refused: ${JSON.stringify(shipped)}`);
    const ended = await emit(c.socket, "session:end", { sessionId, turnCount: list.length });
    if (ended?.ok !== true) throw new Error(`session:end refused: ${JSON.stringify(ended)}`);
    await c.next("session:processed", (p) => p.sessionId === sessionId, 20_000);
  } finally { c.close(); }
}

/** First-person words a third-person memory must not contain. */
export const FIRST_PERSON = /\b(i|i'm|i've|me|my|mine|myself)\b/i;

/** True when the memory came from turn `seq` of `sessionId`. */
export function cameFrom(m: MemoryRecord, sessionId: string, seq: number): boolean {
  return m.sources.some((s) => s.sessionId === sessionId && s.seq.includes(seq));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// MemorySession: one conversation of an end user with a character, from connect() to end().
import type { Socket } from "socket.io-client";
import * as z from "zod";
import type { TranscriptBuffer } from "./buffer.ts";
import { errorFromBody, KeepsakeError, toKeepsakeError } from "./errors.ts";
import {
  type ClientToServerEvents, describeZodError, errorCodeFor, LIMITS, MemoriesPayload, MemoriesUpdatedPayload, MemoryRecord,
  type Role, ScoredMemory, SearchPayload, type ServerToClientEvents, SessionProcessedPayload, Turn,
} from "./protocol.ts";

/** @internal */
export type KeepsakeSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** How the relay acknowledged a session's end. */
export interface EndResult {
  /** `queued` (extraction will follow), `processed` (already extracted) or `disabled` (memory is off: nothing kept) */
  status: "queued" | "processed" | "disabled";
}

/** @internal What the client hands a session: its events go out through `emit`. */
export interface SessionInit {
  id: string;
  endUserId: string;
  characterId: string;
  memoryStores?: string[];
  /** null for a session with memory off on the player's side: no socket, no buffer */
  socket: KeepsakeSocket | null;
  buffer: TranscriptBuffer | null;
  injected: MemoriesPayload | null;
  timeoutMs: number;
  emit: SessionEmitter;
  /** called once when the session is closed */
  onClosed: (session: MemorySession) => void;
}

/** @internal The client's event emitter, as seen by a session. */
export interface SessionEmitter {
  (name: "memoriesInjected", payload: MemoriesPayload, session: MemorySession): void;
  (name: "memoriesUpdated", payload: MemoriesUpdatedPayload, session: MemorySession): void;
  (name: "sessionProcessed", payload: SessionProcessedPayload, session: MemorySession): void;
  (name: "disconnected", reason: string, session: MemorySession): void;
  (name: "error", error: KeepsakeError): void;
  (name: "warning", message: string): void;
}

const ScoredMemories = z.array(ScoredMemory);
const END_STATUSES = new Set(["queued", "processed", "disabled"]);

/**
 * One conversation of the end user with the character. Made by {@link KeepsakeClient.connect}.
 *
 * Every recorded turn is in IndexedDB before its promise resolves; `end()` ships the transcript to
 * the relay and deletes the local copy once the relay holds it. The socket stays open after `end()`
 * (so `memoriesUpdated` and `sessionProcessed` still arrive) until `close()`, `client.close()` or the
 * client's next `connect()`.
 */
export class MemorySession {
  /** The session id (a UUID): the idempotency key of everything this session ships. */
  readonly id: string;
  private _memories: MemoryRecord[];
  private _context: string;
  private _total: number;
  private _enabled: boolean;
  private nextSeq = 0;
  private readonly turns: Turn[] = [];
  private readonly writes = new Set<Promise<void>>();
  private endPromise: Promise<EndResult> | undefined;
  private endedAt: string | undefined;
  private closed = false;
  private done = false;
  private readonly startedAt = new Date().toISOString();
  private readonly releaseLock: () => void;
  private kicks = 0;
  private retry: ReturnType<typeof setTimeout> | undefined;

  /** @internal Sessions are made by `KeepsakeClient.connect()`. */
  constructor(private readonly init: SessionInit) {
    this.id = init.id;
    this._memories = init.injected?.memories ?? [];
    this._context = init.injected?.context ?? "";
    this._total = init.injected?.total ?? 0;
    this._enabled = init.injected?.enabled ?? false;
    this.releaseLock = init.socket ? holdLock(lockName(init.id)) : () => {};
    const socket = init.socket;
    if (!socket) return;
    // Pushes are checked against the protocol's schemas, then kept as sent (so fields a newer relay
    // adds reach the game).
    socket.on("memories", (payload) => {
      // sent again after every reconnection
      const p = MemoriesPayload.safeParse(payload);
      if (!p.success) return this.malformed("memories", p.error);
      this.apply(payload);
      this._enabled = payload.enabled;
      this.kicks = 0;
      init.emit("memoriesInjected", payload, this);
    });
    socket.on("memories:updated", (payload) => {
      const p = MemoriesUpdatedPayload.safeParse(payload);
      if (!p.success) return this.malformed("memories:updated", p.error);
      this.apply(payload);
      init.emit("memoriesUpdated", payload, this);
    });
    socket.on("session:processed", (payload) => {
      const p = SessionProcessedPayload.safeParse(payload);
      if (!p.success) return this.malformed("session:processed", p.error);
      init.emit("sessionProcessed", payload, this);
    });
    socket.on("disconnect", (reason) => {
      init.emit("disconnected", reason, this);
      // socket.io retries lost connections itself, but not one the relay closed (e.g. on its restart)
      if (reason === "io server disconnect" && !this.closed) {
        const delay = Math.min(30_000, 1000 * 2 ** this.kicks++);
        this.retry = setTimeout(() => { if (!this.closed) socket.connect(); }, delay);
      }
    });
    socket.on("connect_error", (error: Error & { data?: unknown }) => {
      // a refused reconnection (e.g. an expired token); plain network failures are retried silently
      if (error.data !== undefined) init.emit("error", errorFromBody(error.data, "reconnection refused"));
    });
  }

  /** The memories this session reads, ranked: injected at connect, replaced on `memoriesUpdated`. */
  get memories(): MemoryRecord[] {
    return this._memories;
  }
  /** The same memories as ready-to-use prompt text for the character's language model. */
  get context(): string {
    return this._context;
  }
  /** How many memories exist for this session's reader (`memories` holds at most the relay's injection limit). */
  get total(): number {
    return this._total;
  }
  /** false when memory is off: the player declined (`settings.isEnabled`) or the character has memory switched off. */
  get enabled(): boolean {
    return this._enabled;
  }
  /** How many turns were recorded: the next turn's `seq`. */
  get turnCount(): number {
    return this.nextSeq;
  }
  /** true once `end()` was called. */
  get ended(): boolean {
    return this.endPromise !== undefined || this.endedAt !== undefined;
  }

  /**
   * Records what the player said. Resolves to the turn (its `seq`, dense from 0, and `at`) once it
   * is buffered in IndexedDB. Rejects with a KeepsakeError, writing nothing: `E_TOO_LARGE` for text
   * over 4,000 characters, metadata over 1 KB of JSON or a session's 10,001st turn; `E_BAD_REQUEST`
   * for empty text; `E_CONFLICT` after `end()` or `close()`. The same holds for the other record methods.
   */
  recordUserTurn(text: string, metadata?: Record<string, unknown>): Promise<Turn> {
    return this.record("user", text, metadata);
  }
  /** Records what the character said. */
  recordCharacterTurn(text: string, metadata?: Record<string, unknown>): Promise<Turn> {
    return this.record("character", text, metadata);
  }
  /** Records a game event as text, e.g. "completed the confined-space entry certification"; it counts as something the player did. */
  recordEvent(text: string, metadata?: Record<string, unknown>): Promise<Turn> {
    return this.record("event", text, metadata);
  }

  private async record(role: Role, text: string, metadata?: Record<string, unknown>): Promise<Turn> {
    if (this.ended || this.closed) {
      throw new KeepsakeError("E_CONFLICT", `session ${this.id} has ${this.ended ? "ended" : "been closed"}; connect() a new session to record more turns`);
    }
    if (this.nextSeq >= LIMITS.turnsPerSession) {
      throw new KeepsakeError("E_TOO_LARGE", `a session holds at most ${LIMITS.turnsPerSession} turns; end() this one and connect() a new session`);
    }
    const parsed = Turn.safeParse({ seq: this.nextSeq, role, text, at: new Date().toISOString(), ...(metadata === undefined ? {} : { metadata }) });
    if (!parsed.success) throw validationError(parsed.error, `${role} turn`);
    const turn = parsed.data;
    this.nextSeq++;
    if (!this._enabled) return turn;
    this.turns.push(turn);
    const buffer = this.init.buffer;
    if (buffer) {
      const write = buffer
        .putTurn({ sessionId: this.id, endUserId: this.init.endUserId, characterId: this.init.characterId, memoryStores: this.init.memoryStores, startedAt: this.startedAt }, turn)
        .catch((e) => this.init.emit("warning", `turn ${turn.seq} of session ${this.id} could not be written to IndexedDB (${errorText(e)}); it is kept in memory until end()`));
      this.writes.add(write);
      await write;
      this.writes.delete(write);
    }
    return turn;
  }

  /** Searches the memories this session reads (`limit` 1 to 50, default the relay's 10), best first. */
  async search(query: string, limit?: number): Promise<ScoredMemory[]> {
    if (!this._enabled) return [];
    const parsed = SearchPayload.safeParse(limit === undefined ? { query } : { query, limit });
    if (!parsed.success) throw validationError(parsed.error, "search");
    const ack = await request(this.liveSocket("search"), this.init.timeoutMs, "memory:search", parsed.data, "search");
    const memories = ScoredMemories.safeParse(ack.memories);
    if (!memories.success) throw new KeepsakeError("E_INTERNAL", `search: malformed answer from the relay (${describeZodError(memories.error)})`);
    return ack.memories as ScoredMemory[];
  }

  /**
   * Ends the session: ships the whole transcript, then `session:end`. Resolves once the relay holds it
   * durably, after which the local copy is deleted. If the relay is unreachable or does not answer it
   * rejects with a KeepsakeError (`E_NETWORK`, `E_TIMEOUT`, ...), closes the session and keeps the
   * transcript locally: the next `connect()` of the same player and character ships it. Calling it
   * again returns the same promise. Recording after `end()` rejects.
   */
  end(): Promise<EndResult> {
    this.endPromise ??= this.ship();
    return this.endPromise;
  }

  private async ship(): Promise<EndResult> {
    this.endedAt = new Date().toISOString();
    const socket = this.init.socket;
    if (!this._enabled || !socket) {
      this.finish();
      return { status: "disabled" };
    }
    await Promise.allSettled([...this.writes]);
    const buffer = this.init.buffer;
    try {
      if (this.closed) throw new KeepsakeError("E_NETWORK", "the session was closed");
      const turns = this.turns;
      const status = await shipSession(socket, this.init.timeoutMs, this.id, {
        read: async (from, limit) => turns.slice(from, from + limit),
        get: async (seqs) => seqs.flatMap((s) => turns[s] ?? []),
      }, this.nextSeq, this.endedAt);
      await buffer?.deleteSession(this.id).catch((e) => this.init.emit("warning", `the shipped session ${this.id} could not be deleted from IndexedDB (${errorText(e)})`));
      this.finish();
      return { status };
    } catch (e) {
      await buffer?.markEnded(this.id, this.endedAt).catch(() => {});
      this.close();
      const error = toKeepsakeError(e, "end");
      const kept = this.nextSeq === 0 ? "" : buffer?.persistent
        ? "; the transcript is kept in IndexedDB and will be shipped at the next connect() of this player and character"
        : "; the transcript is kept in memory and will be shipped at the next connect() of this player and character while this page stays open";
      throw new KeepsakeError(error.code, `${error.message}${kept}`, { cause: e });
    }
  }

  /**
   * Closes the connection. Without `end()` first, what was recorded stays buffered and is shipped at
   * the next `connect()` of the same player and character (as after a closed tab).
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retry);
    this.init.socket?.close();
    this.finish();
    this.init.onClosed(this);
  }

  private finish() {
    if (this.done) return;
    this.done = true;
    this.releaseLock();
  }

  /** @internal true while the session may still record or is shipping its own end: the outbox leaves it alone. */
  get live(): boolean {
    return !this.done;
  }

  private liveSocket(what: string): KeepsakeSocket {
    if (!this.init.socket || this.closed) throw new KeepsakeError("E_NETWORK", `${what}: the session is closed`);
    return this.init.socket;
  }

  private apply(p: MemoriesUpdatedPayload) {
    this._memories = p.memories;
    this._context = p.context;
    this._total = p.total;
  }

  private malformed(event: string, error: z.ZodError) {
    this.init.emit("error", new KeepsakeError("E_INTERNAL", `malformed \`${event}\` from the relay: ${describeZodError(error)}`));
  }
}

// ---- shipping (the session's own end, and the outbox at connect) ----

/** @internal Where the turns of a session being shipped come from: the live session's memory or IndexedDB. */
export interface TurnSource {
  /** up to `limit` turns with seq >= from, in seq order */
  read(from: number, limit: number): Promise<Turn[]>;
  /** the turns with these seqs */
  get(seqs: number[]): Promise<Turn[]>;
}

/** A transcript message stays under a quarter of the relay's payload limit. */
const CHUNK_BYTES = LIMITS.payloadBytes / 4;
const jsonBytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)).length;

/**
 * @internal
 * Ships a session: its turns in chunks, then `session:end`, sending what the relay reports missing
 * and ending again. Resolves to the final status; rejects with a KeepsakeError.
 */
export async function shipSession(
  socket: KeepsakeSocket, timeoutMs: number, sessionId: string, source: TurnSource, turnCount: number, endedAt?: string,
): Promise<EndResult["status"]> {
  const send = async (turns: Turn[]) => {
    for (const chunk of chunks(turns)) await request(socket, timeoutMs, "transcript", { sessionId, turns: chunk }, "transcript");
  };
  for (let from = 0; from < turnCount;) {
    const turns = await source.read(from, LIMITS.turnsPerMessage);
    if (turns.length === 0) break;
    await send(turns);
    from = turns[turns.length - 1]!.seq + 1;
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    const ack = await request(socket, timeoutMs, "session:end", { sessionId, turnCount, ...(endedAt ? { endedAt } : {}) }, "session:end");
    if (ack.status === "incomplete") {
      const missing = await source.get(ack.missing);
      if (missing.length < new Set(ack.missing).size) {
        throw new KeepsakeError("E_INTERNAL", `session:end: the relay misses turns of session ${sessionId} that are not buffered locally either`);
      }
      await send(missing);
      continue;
    }
    if (END_STATUSES.has(ack.status)) return ack.status;
    throw new KeepsakeError("E_INTERNAL", `session:end: unexpected status ${JSON.stringify(ack.status)}`);
  }
  throw new KeepsakeError("E_INTERNAL", `session:end: the relay still reports turns of session ${sessionId} missing`);
}

/** @internal Splits turns into transcript messages of at most LIMITS.turnsPerMessage turns and CHUNK_BYTES bytes. */
export function chunks(turns: Turn[]): Turn[][] {
  const out: Turn[][] = [];
  let current: Turn[] = [];
  let bytes = 0;
  for (const turn of turns) {
    const size = jsonBytes(turn) + 1;
    if (current.length && (current.length >= LIMITS.turnsPerMessage || bytes + size > CHUNK_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(turn);
    bytes += size;
  }
  if (current.length) out.push(current);
  return out;
}

type AckOf<E extends keyof ClientToServerEvents> = Parameters<Parameters<ClientToServerEvents[E]>[1]>[0];
type Ok<A> = Extract<A, { ok: true }>;

/** @internal Emits an event and waits for its ack; fails fast with E_NETWORK when disconnected. */
export async function request<E extends keyof ClientToServerEvents>(
  socket: KeepsakeSocket, timeoutMs: number, event: E, payload: Parameters<ClientToServerEvents[E]>[0], context: string,
): Promise<Ok<AckOf<E>>> {
  if (!socket.connected) throw new KeepsakeError("E_NETWORK", `${context}: not connected to the relay`);
  let ack: AckOf<E>;
  try {
    ack = await (socket.timeout(timeoutMs) as any).emitWithAck(event, payload);
  } catch (e) {
    throw toKeepsakeError(e, context);
  }
  if (ack?.ok === true) return ack as Ok<AckOf<E>>;
  throw errorFromBody((ack as { error?: unknown } | undefined)?.error, context);
}

/**
 * @internal A zod failure of something the game passed in, coded as the relay codes it: a string or
 * array over its maximum, or metadata over its byte limit, is E_TOO_LARGE; anything else E_BAD_REQUEST.
 */
export function validationError(error: z.ZodError, context: string): KeepsakeError {
  return new KeepsakeError(errorCodeFor(error), `${context}: ${describeZodError(error)}`);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// ---- liveness across tabs ----

/** @internal */
export const lockName = (sessionId: string) => `keepsake:session:${sessionId}`;

/** Holds a Web Lock while the session is live, so other tabs' outboxes leave it alone. */
function holdLock(name: string): () => void {
  const locks = globalThis.navigator?.locks;
  if (!locks) return () => {};
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  locks.request(name, () => held).catch(() => {});
  return release;
}

/** @internal Names of the Web Locks held or requested in this origin (every tab); empty where there are none. */
export async function heldLocks(): Promise<Set<string>> {
  try {
    const state = await globalThis.navigator?.locks?.query();
    return new Set([...(state?.held ?? []), ...(state?.pending ?? [])].map((l) => l.name ?? ""));
  } catch {
    return new Set();
  }
}

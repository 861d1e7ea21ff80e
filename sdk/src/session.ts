// MemorySession: one conversation of an end user with a character, from connect() to end().
import { io, type Socket } from "socket.io-client";
import * as z from "zod/mini";
import { IDB_TIMEOUT_MS, identityKey, type SessionRow, type SessionStart, type TranscriptBuffer, withTimeout } from "./buffer.ts";
import { describe, errorFromBody, KeepsakeError, tokenExpired, toKeepsakeError } from "./errors.ts";
import { holdLock, lockName } from "./locks.ts";
import {
  type ClientToServerEvents, describeZodError, errorCodeFor, type HandshakeAuth, jsonBytes, LIMITS, MemoriesPayload, MemoriesUpdatedPayload,
  MemoryRecord, type Role, ScoredMemory, SearchPayload, type ServerToClientEvents, SessionProcessedPayload, Turn,
  type TranscriptRestBody,
} from "./protocol.ts";
import { CHARS_PER_TOKEN, estimateTokens } from "./tokens.ts";

/** @internal */
export type KeepsakeSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** How the relay acknowledged a session's end. */
export interface EndResult {
  /** `queued` (extraction will follow), `processed` (already extracted) or `disabled` (memory is off: nothing kept) */
  status: "queued" | "processed" | "disabled";
}

/** What {@link MemorySession.prompt} puts in its block. */
export interface PromptOptions {
  /** how many of the session's latest turns follow the context; default 10 */
  recentTurns?: number;
  /**
   * the most estimated tokens the block may take: the oldest of those turns are left out until it
   * fits. The context is never cut (the relay bounds it by KEEPSAKE_CONTEXT_TOKENS).
   */
  maxTokens?: number;
}

/** One block of prompt text for the character's language model, with its estimated size. */
export interface Prompt {
  /** the injected context, a blank line, then one line per turn: `Player: …`, `Character: …`, `(event) …` */
  text: string;
  /** estimated tokens (4 characters each, the relay's rule) of the context, of the turn lines, and of the whole `text` */
  tokens: { context: number; turns: number; total: number };
}

const TURN_LABEL: Record<Role, string> = { user: "Player: ", character: "Character: ", event: "(event) " };
/** A turn as one prompt line: its whitespace (newlines too) collapsed, so that no turn can write a line of its own. */
const turnLine = (t: Turn) => `${TURN_LABEL[t.role]}${t.text.replace(/\s+/g, " ").trim()}`;

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
  /** the relay's base URL, for the page-hide request */
  relayUrl: string;
  /** the token of the latest handshake, if any, for the page-hide request */
  token: () => string | undefined;
  /** asks the token provider for a fresh token (the page-hide request was refused for an expired one) */
  refreshToken: () => Promise<string | undefined>;
  emit: SessionEmitter;
  /** called once when the session is closed */
  onClosed: (session: MemorySession) => void;
  /** a failed end(): the whole transcript, for the outbox to retry */
  onUnsent: (row: SessionRow, turns: Turn[]) => void;
}

/** @internal The client's event emitter, as seen by a session. */
export interface SessionEmitter {
  (name: "memoriesInjected", payload: MemoriesPayload, session: MemorySession): void;
  (name: "memoriesUpdated", payload: MemoriesUpdatedPayload, session: MemorySession): void;
  (name: "sessionProcessed", payload: SessionProcessedPayload, session: MemorySession): void;
  (name: "disconnected", reason: string, session: MemorySession): void;
  (name: "error", error: KeepsakeError): void;
  (name: "warning", message: string): void;
  (name: "sessionShipped", payload: { sessionId: string; status: EndResult["status"] }): void;
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
  /** what the relay injected last, or pushed since (`memories:updated`) */
  private view: MemoriesUpdatedPayload;
  private _enabled: boolean;
  private nextSeq = 0;
  /** the transcript in memory (index = seq), until the relay holds it */
  private turns: Turn[] = [];
  private readonly writes = new Set<Promise<void>>();
  private endPromise: Promise<EndResult> | undefined;
  private endedAt: string | undefined;
  private closed = false;
  private done = false;
  /** false once IndexedDB refused or stalled a write: the rest of this session lives in memory only */
  private persist = true;
  /** the next turn the page-hide path would send */
  private hideFrom = 0;
  private readonly startedAt = new Date().toISOString();
  private readonly releaseLock: () => void;
  private kicks = 0;
  /** a reconnection was refused for an expired token and tried again with a fresh one */
  private refreshed = false;
  private retry: ReturnType<typeof setTimeout> | undefined;

  /** @internal Sessions are made by `KeepsakeClient.connect()`. */
  constructor(private readonly init: SessionInit) {
    this.id = init.id;
    this.view = init.injected ?? { memories: [], context: "", total: 0 };
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
      this.view = payload;
      this._enabled = payload.enabled;
      this.kicks = 0;
      this.refreshed = false;
      init.emit("memoriesInjected", payload, this);
    });
    socket.on("memories:updated", (payload) => {
      const p = MemoriesUpdatedPayload.safeParse(payload);
      if (!p.success) return this.malformed("memories:updated", p.error);
      this.view = payload;
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
      // a refused reconnection; plain network failures are retried silently
      if (error.data === undefined) return;
      const refusal = errorFromBody(error.data, "reconnection refused");
      // an expired token: one more handshake, for which `auth` asks the token provider again
      if (tokenExpired(refusal) && !this.refreshed && !this.closed) {
        this.refreshed = true;
        return void socket.connect();
      }
      init.emit("error", refusal);
    });
  }

  /** The memories this session reads, ranked: injected at connect, replaced on `memoriesUpdated`. */
  get memories(): MemoryRecord[] {
    return this.view.memories;
  }
  /** The same memories as ready-to-use prompt text for the character's language model. */
  get context(): string {
    return this.view.context;
  }
  /** How many memories exist for this session's reader (`memories` holds at most the relay's injection limit). */
  get total(): number {
    return this.view.total;
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
    return this.endPromise !== undefined;
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
    this.turns.push(turn); // kept with memory off too: recentTurns() and prompt() read the conversation
    if (!this._enabled) return turn;
    const buffer = this.init.buffer;
    if (buffer && this.persist) {
      const write = buffer.putTurn(this.row(), turn);
      this.writes.add(write);
      try {
        // a full disk (QuotaExceededError) or a stalled database must not reach the game: the turn
        // is in memory already, and end() ships from memory
        await withTimeout(write, IDB_TIMEOUT_MS, "IndexedDB did not commit the turn");
      } catch (e) {
        this.degrade(turn.seq, e);
      } finally {
        this.writes.delete(write);
      }
    }
    return turn;
  }

  private degrade(seq: number, error: unknown) {
    if (!this.persist) return;
    this.persist = false;
    this.init.emit("warning", `IndexedDB did not store turn ${seq} of session ${this.id} (${describe(error)}): this session is buffered in memory only from now on; end() still ships every turn, but turns from ${seq} on are lost if the page closes before it`);
  }

  private row(): SessionStart {
    const { endUserId, characterId, memoryStores } = this.init;
    return { sessionId: this.id, endUserId, characterId, ...(memoryStores ? { memoryStores } : {}), startedAt: this.startedAt };
  }

  /**
   * The last `n` turns recorded in this session (every one without `n`), oldest first: the
   * conversation so far, from this page's memory. Empty once `end()` shipped them.
   */
  recentTurns(n?: number): Turn[] {
    if (n === undefined) return this.turns.slice();
    if (!Number.isInteger(n) || n < 0) throw new KeepsakeError("E_BAD_REQUEST", `recentTurns: n must be a whole number, 0 or more (got ${n})`);
    return n === 0 ? [] : this.turns.slice(-n);
  }

  /**
   * One block for the character's language model: the injected `context` (what the character
   * remembers of the player), then the last `recentTurns` turns of this conversation, one line each,
   * with estimated token counts. Within `maxTokens`, the oldest turns are left out first.
   */
  prompt(options: PromptOptions = {}): Prompt {
    const { recentTurns = 10, maxTokens } = options;
    if (maxTokens !== undefined && !(Number.isInteger(maxTokens) && maxTokens > 0)) {
      throw new KeepsakeError("E_BAD_REQUEST", `prompt: maxTokens must be a whole number above 0 (got ${maxTokens})`);
    }
    const context = this.context;
    let lines = this.recentTurns(recentTurns).map(turnLine);
    if (maxTokens !== undefined) {
      // newest first, while the whole text stays within the budget
      let chars = context.length;
      let kept = 0;
      for (let i = lines.length - 1; i >= 0; i--) {
        const more = lines[i]!.length + (kept ? 1 : context ? 2 : 0); // a newline between lines, a blank line after the context
        if (chars + more > maxTokens * CHARS_PER_TOKEN) break;
        chars += more;
        kept++;
      }
      lines = lines.slice(lines.length - kept);
    }
    const turns = lines.join("\n");
    const text = context && turns ? `${context}\n\n${turns}` : context || turns;
    return { text, tokens: { context: estimateTokens(context), turns: estimateTokens(turns), total: estimateTokens(text) } };
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
   * rejects with a KeepsakeError (`E_NETWORK`, `E_TIMEOUT`, ...) whose message says the transcript is
   * kept, and closes the session. The transcript stays in the outbox (IndexedDB, and this page's
   * memory): the SDK retries it in the background while the page lives (exponential backoff with
   * jitter, and at once on the window's `online` event) and the next `connect()` of the same player
   * and character ships it; `sessionShipped` reports when it got through. Calling it again returns
   * the same promise. Recording after `end()` rejects.
   */
  end(): Promise<EndResult> {
    this.endPromise ??= this.ship();
    return this.endPromise;
  }

  private async ship(): Promise<EndResult> {
    this.endedAt = new Date().toISOString();
    const socket = this.init.socket;
    if (!this._enabled || !socket) {
      this.turns = [];
      this.finish();
      return { status: "disabled" };
    }
    // let writes in flight land before the local copy is deleted (bounded: a stalled database is not waited for)
    await withTimeout(Promise.allSettled([...this.writes]), IDB_TIMEOUT_MS, "").catch(() => {});
    const buffer = this.init.buffer;
    try {
      if (this.closed) throw new KeepsakeError("E_NETWORK", "the session was closed");
      const status = await shipSession(socket, this.init.timeoutMs, this.id, memorySource(this.turns), this.nextSeq, this.endedAt);
      const deleting = buffer && forgetShipped(buffer, this.id, this.init.emit);
      // a database that failed this session is not waited for (a copy left behind is shipped again, harmlessly)
      if (this.persist) await deleting;
      this.turns = []; // the relay holds them: a session kept open for its pushes holds no transcript
      this.finish();
      return { status };
    } catch (e) {
      const error = toKeepsakeError(e, "end");
      if (buffer?.persistent && this.persist) await buffer.markEnded(this.id, this.endedAt).catch(() => {});
      // handed to the outbox before close() releases the session's lock
      if (this.nextSeq > 0) this.init.onUnsent({ ...this.row(), turnCount: this.nextSeq, endedAt: this.endedAt, identity: this.identity }, this.turns);
      this.close();
      const kept = this.nextSeq === 0 ? "" : buffer?.persistent && this.persist
        ? "; the transcript is kept in IndexedDB and will be shipped when the relay is reachable: retried in the background while this page is open, and at the next connect() of this player and character"
        : `; the transcript is kept in memory and will be shipped when the relay is reachable, retried in the background while this page is open (${buffer?.persistent ? "IndexedDB did not take all of it: what it lacks" : "IndexedDB is not available: it"} is lost if the page closes first)`;
      throw new KeepsakeError(error.code, `${error.message}${kept}`, { cause: e });
    }
  }

  private get identity(): string {
    return identityKey(this.init.endUserId, this.init.characterId, this.init.memoryStores);
  }

  /**
   * @internal The page is being hidden or unloaded: sends the turns the relay may not hold yet to
   * POST /v1/sessions/:id/transcript with `fetch(…, { keepalive: true })`, which outlives the page.
   * Only what fits the browser's keepalive budget (LIMITS.keepaliveBytes, shared by every keepalive
   * request in flight) goes, oldest unsent turns first, so the relay always holds a dense prefix of
   * the session (what its idle finalization extracts if the player never comes back); each later
   * hide sends the next part, and the next connect() ships the rest from IndexedDB. Delivery is
   * idempotent on (sessionId, seq), whichever path arrives first.
   */
  sendOnHide(): void {
    if (this.done || !this._enabled || !this.init.socket || typeof fetch !== "function") return;
    this.postTurns(this.hideFrom, this.init.token(), false);
  }

  /** Posts the turns from `from` on that fit the keepalive budget; once more with a fresh token if the relay says it expired. */
  private postTurns(from: number, token: string | undefined, refreshed: boolean): void {
    const { endUserId, characterId, memoryStores } = this.init;
    const head = { endUserId, characterId, ...(memoryStores ? { memoryStores } : {}), ...(token ? { token } : {}) };
    const part = keepaliveBody(head, this.turns, from, LIMITS.keepaliveBytes - keepaliveInFlight);
    if (!part) return;
    keepaliveInFlight += part.bytes;
    this.hideFrom = Math.max(this.hideFrom, from + part.count);
    const settle = (ok: boolean) => {
      keepaliveInFlight -= part.bytes;
      if (!ok) this.hideFrom = Math.min(this.hideFrom, from); // sent again at the next hide; end() or the outbox ship it anyway
    };
    const refused = async (r: Response) => {
      settle(false);
      if (refreshed || r.status !== 401 || !tokenExpired(errorFromBody(await r.json().catch(() => null), "page-hide"))) return;
      const fresh = await this.init.refreshToken().catch(() => undefined);
      if (fresh) this.postTurns(from, fresh, true);
    };
    try {
      // text/plain keeps it a CORS "simple" request: no preflight while the page unloads
      fetch(`${this.init.relayUrl.replace(/\/+$/, "")}/v1/sessions/${encodeURIComponent(this.id)}/transcript`, {
        method: "POST", keepalive: true, credentials: "omit", headers: { "content-type": "text/plain;charset=UTF-8" }, body: part.body,
      }).then((r) => (r.ok ? settle(true) : refused(r)), () => settle(false));
    } catch {
      settle(false);
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

  private malformed(event: string, error: z.core.$ZodError) {
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

/** @internal A transcript held in memory (index = seq) as a TurnSource. */
export function memorySource(turns: Turn[]): TurnSource {
  return { read: async (from, limit) => turns.slice(from, from + limit), get: async (seqs) => seqs.flatMap((s) => turns[s] ?? []) };
}

/**
 * @internal Deletes a session the relay now holds from the buffer. A failure is only a warning: a copy
 * left behind is shipped again at a later connect(), harmlessly.
 */
export function forgetShipped(buffer: TranscriptBuffer, sessionId: string, emit: SessionEmitter): Promise<void> {
  return buffer.deleteSession(sessionId).catch((e) => emit("warning", `the shipped session ${sessionId} could not be deleted from IndexedDB (${describe(e)})`));
}

/** A transcript message stays under a quarter of the relay's payload limit. */
const CHUNK_BYTES = LIMITS.payloadBytes / 4;

/**
 * @internal
 * Ships a session: its turns in chunks, then `session:end`, sending what the relay reports missing
 * and ending again. Resolves to the final status; rejects with a KeepsakeError.
 */
export async function shipSession(
  socket: KeepsakeSocket, timeoutMs: number, sessionId: string, source: TurnSource, turnCount: number, endedAt?: string,
): Promise<EndResult["status"]> {
  // E_RATE_LIMITED (the relay's event budget) is waited out a few times before it fails the shipment
  const call = async <E extends "transcript" | "session:end">(event: E, payload: Parameters<ClientToServerEvents[E]>[0]) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(socket, timeoutMs, event, payload, event);
      } catch (e) {
        if ((e as KeepsakeError).code !== "E_RATE_LIMITED" || attempt >= 3) throw e;
        await new Promise((r) => setTimeout(r, 1100 * 2 ** attempt)); // a little over a second: the relay's buckets refill per second
      }
    }
  };
  const send = async (turns: Turn[]) => {
    for (const chunk of chunks(turns)) await call("transcript", { sessionId, turns: chunk });
  };
  for (let from = 0; from < turnCount;) {
    const turns = await source.read(from, LIMITS.turnsPerMessage);
    if (turns.length === 0) break;
    await send(turns);
    from = turns[turns.length - 1]!.seq + 1;
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    const ack = await call("session:end", { sessionId, turnCount, ...(endedAt ? { endedAt } : {}) });
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

/** Bytes of keepalive request bodies this page has in flight (the budget is the browser's, per page). */
let keepaliveInFlight = 0;

/**
 * @internal The page-hide request body: the turns from `from` on that fit in `budget` bytes of JSON
 * (and LIMITS.turnsPerMessage), oldest first; undefined when not even one fits.
 */
export function keepaliveBody(
  head: Omit<TranscriptRestBody, "turns">, turns: Turn[], from: number, budget: number,
): { body: string; bytes: number; count: number } | undefined {
  let bytes = jsonBytes({ ...head, turns: [] });
  let count = 0;
  for (let i = from; i < turns.length && count < LIMITS.turnsPerMessage; i++) {
    const size = jsonBytes(turns[i]) + (count ? 1 : 0); // a comma between turns
    if (bytes + size > budget) break;
    bytes += size;
    count++;
  }
  return count ? { body: JSON.stringify({ ...head, turns: turns.slice(from, from + count) }), bytes, count } : undefined;
}

/**
 * @internal Opens a socket to the relay and resolves once it injected `memories`; rejects with a
 * KeepsakeError (the relay's code for a refused handshake, E_NETWORK, E_TIMEOUT) and closes it.
 */
export function openSocket(
  relayUrl: string, auth: (cb: (auth: HandshakeAuth) => void) => void, timeoutMs: number, reconnection = true,
): Promise<{ socket: KeepsakeSocket; injected: MemoriesPayload }> {
  const socket: KeepsakeSocket = io(relayUrl, { transports: ["websocket"], forceNew: true, timeout: timeoutMs, reconnection, auth });
  return new Promise((resolve, reject) => {
    const settle = () => {
      clearTimeout(timer);
      socket.off("memories", onMemories);
      socket.off("connect_error", onError);
    };
    const fail = (error: KeepsakeError) => { settle(); socket.close(); reject(error); };
    const onMemories = (payload: MemoriesPayload) => {
      const p = MemoriesPayload.safeParse(payload);
      if (!p.success) return fail(new KeepsakeError("E_INTERNAL", `connect: malformed \`memories\` from the relay (${describeZodError(p.error)})`));
      settle();
      resolve({ socket, injected: payload });
    };
    let retried = false;
    const onError = (error: Error & { data?: unknown }) => {
      if (error.data !== undefined) {
        const refusal = errorFromBody(error.data, "connect: the relay refused the handshake");
        // an expired token: one more handshake, for which `auth` asks the token provider again
        if (tokenExpired(refusal) && !retried) {
          retried = true;
          return void socket.connect();
        }
        return fail(refusal);
      }
      fail(new KeepsakeError("E_NETWORK", `connect: the relay at ${relayUrl} is unreachable (${error.message})`, { cause: error }));
    };
    const timer = setTimeout(() => fail(new KeepsakeError("E_TIMEOUT", `connect: the relay at ${relayUrl} did not answer in ${timeoutMs} ms`)), timeoutMs);
    socket.on("memories", onMemories);
    socket.on("connect_error", onError);
  });
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
export function validationError(error: z.core.$ZodError, context: string): KeepsakeError {
  return new KeepsakeError(errorCodeFor(error), `${context}: ${describeZodError(error)}`);
}



// KeepsakeClient: settings, identity, connect() → MemorySession, the outbox, typed events.
import { io } from "socket.io-client";
import { identityKey, openBuffer, type TranscriptBuffer } from "./buffer.ts";
import { errorFromBody, KeepsakeError, toKeepsakeError } from "./errors.ts";
import { DeviceEndUserIdProvider, type EndUserIdentityProvider, randomUuid } from "./identity.ts";
import {
  describeZodError, HandshakeAuth, MemoriesPayload, PROTOCOL_VERSION,
  type MemoriesUpdatedPayload, type SessionProcessedPayload,
} from "./protocol.ts";
import { heldLocks, type KeepsakeSocket, lockName, MemorySession, shipSession } from "./session.ts";

/** The player's memory choice (Convai's `MemorySettings`). */
export interface MemorySettings {
  /** false when the player declined memory: sessions connect nowhere and record nothing. Default true. */
  isEnabled: boolean;
}

export interface KeepsakeClientOptions {
  /** The relay's base URL, e.g. `https://memory.example.com` or `http://127.0.0.1:8787`. */
  relayUrl: string;
  /** The character the player talks to (1 to 128 characters of `A-Z a-z 0-9 . _ : @ -`). */
  characterId: string;
  /** Who the player is; default {@link DeviceEndUserIdProvider} (a GUID kept in localStorage). */
  identity?: EndUserIdentityProvider;
  /** `{ isEnabled: false }` for a player who declined memory. Read at every `connect()`. */
  settings?: MemorySettings;
  /** Shared memory tags (1 to 8 ids) instead of the private memory of this player and character. */
  memoryStores?: string[];
  /** End-user metadata sent with the handshake (a JSON object of at most 4 KB), e.g. `{ name: "Jordan" }`. */
  metadata?: { name?: string } & Record<string, unknown>;
  /** The end user's token, for a relay running with `KEEPSAKE_AUTH=token`; a function is asked at every (re)connection. */
  token?: string | (() => string | Promise<string>);
  /** How long to wait for the relay: the connection and every acknowledgement. Default 10 000 ms. */
  timeoutMs?: number;
}

/** The client's events and their callbacks' arguments. */
export interface KeepsakeEvents {
  /** The memories injected at connect (and again after a reconnection). */
  memoriesInjected: (payload: MemoriesPayload, session: MemorySession) => void;
  /** The memories this session reads changed; `session.memories`, `context` and `total` are already updated. */
  memoriesUpdated: (payload: MemoriesUpdatedPayload, session: MemorySession) => void;
  /** A session's extraction finished (this one or an earlier one), with what changed. */
  sessionProcessed: (payload: SessionProcessedPayload, session: MemorySession) => void;
  /** The connection dropped; socket.io reconnects by itself unless the session was closed. */
  disconnected: (reason: string, session: MemorySession) => void;
  /** Something failed outside a promise the game awaits, e.g. shipping an earlier session at connect. */
  error: (error: KeepsakeError) => void;
  /** Something degraded but works, e.g. IndexedDB unavailable so turns are buffered in memory only. */
  warning: (message: string) => void;
}
export type KeepsakeEventName = keyof KeepsakeEvents;

/**
 * Long-term memory for one character: `connect()` opens a session for the current player and
 * resolves with the memories the character has of them.
 *
 * ```ts
 * const client = new KeepsakeClient({ relayUrl: "http://127.0.0.1:8787", characterId: "blacksmith" });
 * const session = await client.connect();
 * prompt += session.context;
 * await session.recordUserTurn("I'm Jordan, from Denver.");
 * await session.end();
 * ```
 */
export class KeepsakeClient {
  /** The player's memory choice; change `client.settings.isEnabled` and it applies from the next `connect()`. */
  readonly settings: MemorySettings;
  /** The character id this client talks about. */
  readonly characterId: string;
  private readonly options: KeepsakeClientOptions;
  private readonly identity: EndUserIdentityProvider;
  private readonly listeners = new Map<KeepsakeEventName, Set<(...args: any[]) => void>>();
  private readonly sessions = new Set<MemorySession>();
  private buffer: Promise<TranscriptBuffer> | undefined;

  constructor(options: KeepsakeClientOptions) {
    this.options = { ...options };
    this.characterId = options.characterId;
    this.settings = { isEnabled: options.settings?.isEnabled ?? true };
    this.identity = options.identity ?? new DeviceEndUserIdProvider({ onWarning: (m) => this.emit("warning", m) });
  }

  /**
   * Opens a session and resolves once the relay injected this player's memories. Before resolving it
   * ships any earlier session of the same player, character and stores still buffered (a tab closed
   * without `end()`, a relay that was down at `end()`); a failure there is reported on `error` and
   * retried at the next connect, it does not fail this one. Sessions of this client that have ended
   * are closed first. With `settings.isEnabled` false it resolves at once to a session that connects
   * nowhere and records nothing.
   *
   * Rejects with a KeepsakeError: the relay's code when it refused the handshake (`E_BAD_REQUEST`,
   * `E_UNAUTHORIZED`, ...), `E_NETWORK` when it is unreachable, `E_TIMEOUT` when it did not answer.
   */
  async connect(): Promise<MemorySession> {
    for (const s of [...this.sessions]) if (s.ended && !s.live) s.close();
    const sessionId = randomUuid();
    const { characterId, memoryStores, metadata, token } = this.options;
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    const base = { id: sessionId, characterId, memoryStores, timeoutMs, emit: this.emit.bind(this) as any, onClosed: (s: MemorySession) => this.sessions.delete(s) };
    if (!this.settings.isEnabled) return new MemorySession({ ...base, endUserId: "", socket: null, buffer: null, injected: null });

    let endUserId: string;
    try {
      endUserId = await this.identity.getEndUserId();
    } catch (e) {
      throw new KeepsakeError("E_UNAUTHORIZED", `the identity provider failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const authFor = (t: string | undefined) => ({
      v: PROTOCOL_VERSION, endUserId, characterId, sessionId,
      ...(memoryStores ? { memoryStores } : {}), ...(t !== undefined ? { token: t } : {}), ...(metadata ? { metadata } : {}),
    });
    const getToken = async () => (typeof token === "function" ? await token() : token);
    let firstToken: string | undefined;
    try {
      firstToken = await getToken();
    } catch (e) {
      throw new KeepsakeError("E_UNAUTHORIZED", `the token function failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const first = HandshakeAuth.safeParse(authFor(firstToken));
    // checked here with the relay's own schema, so a mistake fails fast and offline, with the code the relay would give
    if (!first.success) throw new KeepsakeError("E_BAD_REQUEST", `connect: handshake auth: ${describeZodError(first.error)}`);

    const buffer = await this.openBuffer();
    let handshakes = 0;
    const socket: KeepsakeSocket = io(this.options.relayUrl, {
      transports: ["websocket"],
      forceNew: true,
      timeout: timeoutMs,
      // the first handshake uses the validated auth; a reconnection asks a token function again
      auth: (cb) => {
        if (handshakes++ === 0 || typeof token !== "function") return cb(first.data);
        getToken().then((t) => cb(authFor(t)), () => cb(first.data));
      },
    });

    const injected = await new Promise<MemoriesPayload>((resolve, reject) => {
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
        resolve(payload);
      };
      const onError = (error: Error & { data?: unknown }) => {
        if (error.data !== undefined) return fail(errorFromBody(error.data, "connect: the relay refused the handshake"));
        fail(new KeepsakeError("E_NETWORK", `connect: the relay at ${this.options.relayUrl} is unreachable (${error.message})`, { cause: error }));
      };
      const timer = setTimeout(() => fail(new KeepsakeError("E_TIMEOUT", `connect: the relay at ${this.options.relayUrl} did not answer in ${timeoutMs} ms`)), timeoutMs);
      socket.on("memories", onMemories);
      socket.on("connect_error", onError);
    });

    const session = new MemorySession({ ...base, endUserId, socket, buffer, injected });
    this.sessions.add(session);
    this.emit("memoriesInjected", injected, session);
    await this.shipOutbox(socket, buffer, identityKey(endUserId, characterId, memoryStores), timeoutMs);
    return session;
  }

  /** Ships earlier buffered sessions of this identity on `socket`; failures go to `error` and stay buffered. */
  private async shipOutbox(socket: KeepsakeSocket, buffer: TranscriptBuffer, identity: string, timeoutMs: number) {
    let pending;
    try {
      pending = await buffer.pending(identity);
    } catch (e) {
      this.emit("warning", `the IndexedDB outbox could not be read: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if (pending.length === 0) return;
    const live = new Set([...this.sessions].filter((s) => s.live).map((s) => s.id));
    const locked = await heldLocks();
    for (const row of pending) {
      if (live.has(row.sessionId) || locked.has(lockName(row.sessionId))) continue; // still recording, here or in another tab
      try {
        await shipSession(socket, timeoutMs, row.sessionId, {
          read: (from, limit) => buffer.readTurns(row.sessionId, from, limit),
          get: (seqs) => buffer.getTurns(row.sessionId, seqs),
        }, row.turnCount, row.endedAt);
        await buffer.deleteSession(row.sessionId);
      } catch (e) {
        const error = toKeepsakeError(e, "connect");
        this.emit("error", new KeepsakeError(error.code, `an earlier session (${row.sessionId}) could not be shipped and stays buffered for the next connect: ${error.message}`, { cause: e }));
        if (error.code === "E_NETWORK" || error.code === "E_TIMEOUT") return;
      }
    }
  }

  private openBuffer(): Promise<TranscriptBuffer> {
    this.buffer ??= openBuffer({ onWarning: (m) => this.emit("warning", m) });
    return this.buffer;
  }

  /**
   * Subscribes to an event; returns the function that unsubscribes. A listener that throws is
   * logged to the console and does not disturb the SDK or other listeners.
   */
  on<E extends KeepsakeEventName>(name: E, callback: KeepsakeEvents[E]): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    const listener = (...args: any[]) => (callback as (...a: any[]) => void)(...args);
    set.add(listener);
    return () => { set.delete(listener); };
  }

  private emit<E extends KeepsakeEventName>(name: E, ...args: Parameters<KeepsakeEvents[E]>): void {
    const set = this.listeners.get(name);
    if (!set?.size) {
      // nobody listens: still let a developer see what went wrong
      if (name === "warning") console.warn(`keepsake: ${args[0] as string}`);
      if (name === "error") console.error("keepsake:", args[0]);
      return;
    }
    for (const listener of [...set]) {
      try {
        listener(...args);
      } catch (e) {
        console.error(`keepsake: a "${name}" listener threw`, e);
      }
    }
  }

  /**
   * Closes every session's connection and the IndexedDB buffer. Sessions not ended stay buffered and
   * are shipped at the next `connect()`. The client can connect again afterwards.
   */
  close(): void {
    for (const s of [...this.sessions]) s.close();
    const buffer = this.buffer;
    this.buffer = undefined;
    buffer?.then((b) => b.close(), () => {});
  }
}

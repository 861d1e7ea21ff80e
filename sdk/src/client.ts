// KeepsakeClient: settings, identity, connect() → MemorySession, the outbox, typed events.
import { openBuffer, type SessionRow, type TranscriptBuffer } from "./buffer.ts";
import { describe, KeepsakeError } from "./errors.ts";
import { DeviceEndUserIdProvider, type EndUserIdentityProvider, randomUuid } from "./identity.ts";
import { MemoryManager } from "./memories.ts";
import { type Identity, Outbox } from "./outbox.ts";
import {
  describeZodError, HandshakeAuth, type MemoriesPayload, PROTOCOL_VERSION,
  type MemoriesUpdatedPayload, type SessionProcessedPayload, type Turn,
} from "./protocol.ts";
import { type EndResult, MemorySession, openSocket } from "./session.ts";

/** The player's memory choice (Convai's `MemorySettings`). */
export interface MemorySettings {
  /** false when the player declined memory: sessions connect nowhere and nothing is buffered or shipped (the conversation stays in the session's memory for `prompt()`). Default true. */
  isEnabled: boolean;
}

/** Background retry timing: attempt n waits between half and all of min(maxMs, baseMs × 2^n). */
export interface RetryOptions {
  /** the first retry's ceiling; default 1 000 ms */
  baseMs?: number;
  /** the ceiling of every retry; default 60 000 ms */
  maxMs?: number;
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
  /**
   * For a relay running with `KEEPSAKE_AUTH=token`: resolves to the end user's token (a JWT your game's
   * backend signs, see the README's "Security"). Called at every connection and reconnection, and
   * once more when the relay answers that the token expired (so a cache in it must not hand out the
   * same expired token again); if that one is refused too, `connect()` rejects with `E_UNAUTHORIZED`.
   */
  tokenProvider?: (endUserId: string) => Promise<string>;
  /** A fixed token, or a function asked like `tokenProvider` (without the end-user id). `tokenProvider` wins when both are given. */
  token?: string | (() => string | Promise<string>);
  /** How long to wait for the relay: the connection and every acknowledgement. Default 10 000 ms. */
  timeoutMs?: number;
  /**
   * Background retry of sessions the relay did not acknowledge (a failed `end()`): attempt n waits
   * between half and all of min(maxMs, baseMs × 2^n). Default `{ baseMs: 1000, maxMs: 60000 }`.
   */
  retry?: RetryOptions;
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
  /** An earlier session left in the outbox (a closed tab, a failed `end()`) reached the relay, at `connect()` or by the background retry. */
  sessionShipped: (payload: { sessionId: string; status: EndResult["status"] }) => void;
  /** Something degraded but works, e.g. IndexedDB unavailable so turns are buffered in memory only. */
  warning: (message: string) => void;
}
export type KeepsakeEventName = keyof KeepsakeEvents;

/** What the game's identity or token provider gives; E_UNAUTHORIZED if it fails. */
async function provided<T>(provider: "identity" | "token", ask: () => T | Promise<T>): Promise<T> {
  try {
    return await ask();
  } catch (e) {
    throw new KeepsakeError("E_UNAUTHORIZED", `the ${provider} provider failed: ${describe(e)}`, { cause: e });
  }
}

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
  /** The player's own memories of this character: list, add, delete, clear (a "what do you remember about me" screen). */
  readonly memories: MemoryManager;
  private readonly options: KeepsakeClientOptions;
  private readonly identity: EndUserIdentityProvider;
  private readonly listeners = new Map<KeepsakeEventName, Set<(...args: any[]) => void>>();
  private readonly sessions = new Set<MemorySession>();
  private buffer: Promise<TranscriptBuffer> | undefined;
  private readonly outbox: Outbox;
  private unlistenPage: (() => void) | undefined;

  constructor(options: KeepsakeClientOptions) {
    this.options = { ...options };
    this.characterId = options.characterId;
    this.settings = { isEnabled: options.settings?.isEnabled ?? true };
    this.identity = options.identity ?? new DeviceEndUserIdProvider({ onWarning: (m) => this.emit("warning", m) });
    this.outbox = new Outbox({
      buffer: () => this.openBuffer(),
      isLive: (id) => [...this.sessions].some((s) => s.id === id && s.live),
      open: async (identity, sessionId) => (await openSocket(this.options.relayUrl, this.auth(identity, sessionId), this.timeoutMs, false)).socket,
      timeoutMs: this.timeoutMs,
      retry: options.retry,
      emit: this.emit.bind(this) as any,
    });
    this.memories = new MemoryManager({
      relayUrl: options.relayUrl, characterId: options.characterId, timeoutMs: this.timeoutMs,
      endUserId: () => this.endUserId(), token: (endUserId) => this.token(endUserId),
    });
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? 10_000;
  }

  /** The current player's id; E_UNAUTHORIZED if the identity provider fails. */
  private endUserId(): Promise<string> {
    return provided("identity", () => this.identity.getEndUserId());
  }

  /** {@link tokenFor}, with E_UNAUTHORIZED if the token provider fails. */
  private token(endUserId: string): Promise<string | undefined> {
    return provided("token", () => this.tokenFor(endUserId));
  }

  /** The handshake `auth` of a connection for `identity`'s session `sessionId`. */
  private handshake(identity: Identity, sessionId: string, token: string | undefined): HandshakeAuth {
    const { metadata } = this.options;
    return {
      v: PROTOCOL_VERSION, endUserId: identity.endUserId, characterId: identity.characterId, sessionId,
      ...(identity.memoryStores ? { memoryStores: identity.memoryStores } : {}), ...(token !== undefined ? { token } : {}),
      ...(metadata ? { metadata } : {}),
    };
  }

  /** The end user's token for a handshake: `tokenProvider(endUserId)`, else `token` (a string, or a function asked each time). */
  private async tokenFor(endUserId: string): Promise<string | undefined> {
    const { tokenProvider, token } = this.options;
    if (tokenProvider) return tokenProvider(endUserId);
    return typeof token === "function" ? token() : token;
  }

  /**
   * The socket.io `auth` callback: `first` (already validated) for the first handshake, then the
   * token is asked for again at every reconnection, and at the retry after an expired token (the
   * last token if asking fails). `onToken` hears each token used.
   */
  private auth(identity: Identity, sessionId: string, first?: HandshakeAuth, onToken?: (t: string | undefined) => void) {
    let last = first?.token;
    return (cb: (auth: HandshakeAuth) => void) => {
      if (first) {
        const a = first;
        first = undefined;
        return cb(a);
      }
      this.tokenFor(identity.endUserId).then((t) => {
        last = t;
        onToken?.(t);
        cb(this.handshake(identity, sessionId, t));
      }, () => cb(this.handshake(identity, sessionId, last)));
    };
  }

  /**
   * Opens a session and resolves once the relay injected this player's memories. Before resolving it
   * ships any earlier session of the same player, character and stores still buffered (a tab closed
   * without `end()`, a relay that was down at `end()`) that no other tab is shipping; a failure there
   * is reported on `error` and retried in the background and at the next connect, it does not fail
   * this one. Sessions of this client that have ended are closed first. With `settings.isEnabled`
   * false it resolves at once to a session that connects nowhere and records nothing.
   *
   * Rejects with a KeepsakeError: the relay's code when it refused the handshake (`E_BAD_REQUEST`,
   * `E_UNAUTHORIZED` for a missing, forged or twice expired token, `E_FORBIDDEN` for a token of
   * another player, character or store, ...), `E_NETWORK` when it is unreachable, `E_TIMEOUT` when it
   * did not answer.
   */
  async connect(): Promise<MemorySession> {
    for (const s of [...this.sessions]) if (s.ended && !s.live) s.close();
    const sessionId = randomUuid();
    const { characterId, memoryStores, relayUrl } = this.options;
    const timeoutMs = this.timeoutMs;
    let lastToken: string | undefined;
    const base = {
      id: sessionId, characterId, memoryStores, timeoutMs, relayUrl, token: () => lastToken, emit: this.emit.bind(this) as any,
      refreshToken: async () => (lastToken = await this.tokenFor(endUserId)),
      onClosed: (s: MemorySession) => this.sessions.delete(s),
      onUnsent: (row: SessionRow, turns: Turn[]) => this.outbox.keep(row, turns),
    };
    if (!this.settings.isEnabled) return new MemorySession({ ...base, endUserId: "", socket: null, buffer: null, injected: null });

    const endUserId = await this.endUserId();
    lastToken = await this.token(endUserId);
    const identity: Identity = { endUserId, characterId, ...(memoryStores ? { memoryStores } : {}) };
    const first = HandshakeAuth.safeParse(this.handshake(identity, sessionId, lastToken));
    // checked here with the relay's own schema, so a mistake fails fast and offline, with the code the relay would give
    if (!first.success) throw new KeepsakeError("E_BAD_REQUEST", `connect: handshake auth: ${describeZodError(first.error)}`);

    const buffer = await this.openBuffer();
    let opened;
    try {
      opened = await openSocket(relayUrl, this.auth(identity, sessionId, first.data, (t) => (lastToken = t)), timeoutMs);
    } catch (e) {
      // the relay is down: whatever is buffered is retried in the background, not only at the next connect()
      if ((e as KeepsakeError).code === "E_NETWORK" || (e as KeepsakeError).code === "E_TIMEOUT") this.outbox.retry(identity);
      throw e;
    }
    const { socket, injected } = opened;

    const session = new MemorySession({ ...base, endUserId, socket, buffer, injected });
    this.sessions.add(session);
    this.listenToPage();
    this.emit("memoriesInjected", injected, session);
    if (!(await this.outbox.ship(socket, identity, "connect"))) this.outbox.retry(identity);
    return session;
  }

  /** Page hidden or unloading: every live session sends what fits the keepalive budget (see MemorySession). */
  private listenToPage() {
    if (this.unlistenPage || typeof addEventListener !== "function") return;
    const onHide = (e: Event) => {
      if (e.type === "visibilitychange" && globalThis.document?.visibilityState !== "hidden") return;
      for (const s of this.sessions) s.sendOnHide();
    };
    addEventListener("pagehide", onHide);
    globalThis.document?.addEventListener("visibilitychange", onHide);
    this.unlistenPage = () => {
      removeEventListener("pagehide", onHide);
      globalThis.document?.removeEventListener("visibilitychange", onHide);
    };
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
   * Closes every session's connection and the IndexedDB buffer, and stops the background retry.
   * Sessions not ended (or not acknowledged) stay buffered and are shipped at the next `connect()`.
   * The client can connect again afterwards.
   */
  close(): void {
    for (const s of [...this.sessions]) s.close();
    this.outbox.close();
    this.unlistenPage?.();
    this.unlistenPage = undefined;
    const buffer = this.buffer;
    this.buffer = undefined;
    buffer?.then((b) => b.close(), () => {});
  }
}

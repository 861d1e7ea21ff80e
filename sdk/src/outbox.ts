// The outbox: sessions the relay has not acknowledged yet (a tab closed without end(), a relay down
// at end()). connect() ships those of its player, character and stores over its new socket; after a
// failed end() (or a failed shipment at connect) the SDK also retries in the background while the
// page lives, with exponential backoff and jitter, and at once on the window's `online` event.
//
// Exactly once: each session is shipped under its Web Lock, taken only if free (locks.ts), and
// only if it is still buffered once the lock is held; it is deleted before the lock is released. So
// a live session, two tabs, a connect() racing the background retry: one of them ships it, the
// others skip it.
import { identityKey, type SessionRow, type TranscriptBuffer } from "./buffer.ts";
import type { RetryOptions } from "./client.ts";
import { describe, KeepsakeError, type KeepsakeErrorCode, toKeepsakeError } from "./errors.ts";
import { lockName, tryLock } from "./locks.ts";
import type { Turn } from "./protocol.ts";
import { forgetShipped, type KeepsakeSocket, memorySource, type SessionEmitter, shipSession, type TurnSource } from "./session.ts";

/** Whose sessions: the handshake identity a shipment needs. */
export interface Identity {
  endUserId: string;
  characterId: string;
  memoryStores?: string[];
}

export interface OutboxDeps {
  buffer(): Promise<TranscriptBuffer>;
  /** a session still recording in this page */
  isLive(sessionId: string): boolean;
  /** opens a socket for `identity` (handshake sessionId `sessionId`) to ship without a live session */
  open(identity: Identity, sessionId: string): Promise<KeepsakeSocket>;
  timeoutMs: number;
  retry?: RetryOptions;
  emit: SessionEmitter;
}

/** Failures a later attempt can get past: the relay down, slow, busy, or still finishing the session. */
const TRANSIENT = new Set<KeepsakeErrorCode>(["E_NETWORK", "E_TIMEOUT", "E_RATE_LIMITED", "E_INTERNAL", "E_CONFLICT", "E_UNAUTHORIZED"]);
/** Failures that make the rest of an attempt on the same socket pointless. */
const TRANSPORT = new Set<KeepsakeErrorCode>(["E_NETWORK", "E_TIMEOUT", "E_RATE_LIMITED"]);

export class Outbox {
  /** Sessions of this page whose end() failed, complete in memory (IndexedDB may hold less, or nothing). */
  private readonly unsent = new Map<string, { row: SessionRow; turns: Turn[] }>();
  /** Identities with something to retry in the background. */
  private readonly waiting = new Map<string, Identity>();
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private listening = false;
  private readonly onOnline = () => {
    this.attempt = 0;
    this.now();
  };

  constructor(private readonly deps: OutboxDeps) {}

  /** A failed end(): keeps the whole transcript and retries it in the background. */
  keep(row: SessionRow, turns: Turn[]): void {
    this.unsent.set(row.sessionId, { row, turns });
    this.retry(row);
  }

  /**
   * Ships the buffered sessions of `identity` over `socket`, oldest first. Resolves to true when
   * nothing is left that a later attempt could ship; false to try again later. At connect, failures
   * are reported on `error`; in the background only those a retry cannot fix are.
   */
  async ship(socket: KeepsakeSocket, identity: Identity, context: "connect" | "retry"): Promise<boolean> {
    const buffer = await this.deps.buffer();
    let rows: SessionRow[];
    try {
      rows = await this.pending(buffer, identity);
    } catch (e) {
      this.deps.emit("warning", `the IndexedDB outbox could not be read: ${describe(e)}`);
      return true;
    }
    let settled = true;
    for (const row of rows) {
      const id = row.sessionId;
      try {
        const status = await tryLock(lockName(id), async () => {
          const kept = this.unsent.get(id);
          // shipped meanwhile by another tab or flow, or live again?
          const current = kept?.row ?? (await buffer.session(id));
          if (!current || this.deps.isLive(id)) return undefined;
          const source: TurnSource = kept
            ? memorySource(kept.turns)
            : { read: (from, limit) => buffer.readTurns(id, from, limit), get: (seqs) => buffer.getTurns(id, seqs) };
          const status = await shipSession(socket, this.deps.timeoutMs, id, source, current.turnCount, current.endedAt);
          this.unsent.delete(id);
          await forgetShipped(buffer, id, this.deps.emit);
          return status;
        });
        if (status) this.deps.emit("sessionShipped", { sessionId: id, status });
      } catch (e) {
        const error = toKeepsakeError(e, context);
        const transient = TRANSIENT.has(error.code);
        if (context === "connect" || !transient) {
          const later = transient ? "stays buffered and is retried" : "stays buffered for the next connect()";
          this.deps.emit("error", new KeepsakeError(error.code, `an earlier session (${id}) could not be shipped and ${later}: ${error.message}`, { cause: e }));
        }
        if (transient) settled = false;
        if (TRANSPORT.has(error.code)) return false;
      }
    }
    return settled;
  }

  /** Retries the buffered sessions of `identity` in the background until the relay has them all. */
  retry(identity: Identity): void {
    this.waiting.set(identityKey(identity.endUserId, identity.characterId, identity.memoryStores), identity);
    if (!this.listening && typeof addEventListener === "function") {
      addEventListener("online", this.onOnline);
      this.listening = true;
    }
    if (!this.timer && !this.running) this.later();
  }

  /** Stops retrying; what is buffered in IndexedDB stays for the next connect(). */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.waiting.clear();
    this.unlisten();
  }

  /** The next attempt: after min(maxMs, baseMs × 2^n) × (½ + random ½), so tabs spread out but never spin. */
  private later() {
    const { baseMs = 1000, maxMs = 60_000 } = this.deps.retry ?? {};
    const ceiling = Math.min(maxMs, baseMs * 2 ** this.attempt++);
    this.timer = setTimeout(() => this.now(), ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  /** An attempt now (the network is back, or the timer fired). */
  private now() {
    if (!this.waiting.size) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running) return;
    this.running = (async () => {
      for (const [key, identity] of [...this.waiting]) {
        if (await this.attemptFor(identity)) this.waiting.delete(key);
      }
    })().catch(() => {}).finally(() => {
      this.running = undefined;
      if (this.waiting.size) return this.later();
      this.attempt = 0;
      this.unlisten();
    });
  }

  /** One background attempt for an identity, on a socket of its own; true when nothing is left to retry. */
  private async attemptFor(identity: Identity): Promise<boolean> {
    const rows = await this.pending(await this.deps.buffer(), identity);
    if (!rows.length) return true;
    let socket: KeepsakeSocket;
    try {
      socket = await this.deps.open(identity, rows[0]!.sessionId);
    } catch (e) {
      const error = toKeepsakeError(e, "retry");
      if (TRANSIENT.has(error.code)) return false;
      this.deps.emit("error", new KeepsakeError(error.code, `the relay refused to take buffered sessions; they stay buffered for the next connect(): ${error.message}`, { cause: e }));
      return true;
    }
    try {
      return await this.ship(socket, identity, "retry");
    } finally {
      socket.close();
    }
  }

  /** Buffered sessions of `identity` not live in this page, and this page's failed ends, oldest first. */
  private async pending(buffer: TranscriptBuffer, identity: Identity): Promise<SessionRow[]> {
    const key = identityKey(identity.endUserId, identity.characterId, identity.memoryStores);
    const rows = new Map((await buffer.pending(key)).map((r) => [r.sessionId, r]));
    for (const { row } of this.unsent.values()) if (row.identity === key) rows.set(row.sessionId, row);
    return [...rows.values()].filter((r) => !this.deps.isLive(r.sessionId)).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }

  private unlisten() {
    if (this.listening) removeEventListener("online", this.onOnline);
    this.listening = false;
  }
}

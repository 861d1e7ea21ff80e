// The transcript buffer and outbox: every turn is written to IndexedDB as it is recorded, and a
// session stays here until the relay acknowledged its end. A session still here when the next
// session of the same identity connects (tab closed without end(), relay down at end()) is shipped
// then.
//
// IndexedDB layout, database "keepsake", version 1:
//   sessions  key sessionId → SessionRow; index "identity" on SessionRow.identity
//   turns     key [sessionId, seq] → StoredTurn (a Turn plus its sessionId)
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction } from "idb";
import { describe } from "./errors.ts";
import type { Turn } from "./protocol.ts";

export const DB_NAME = "keepsake";
export const DB_VERSION = 1;
/** Most turns written in one IndexedDB transaction. */
const WRITE_BATCH = 500;

/** A buffered session: what the outbox needs to ship it later. */
export interface SessionRow {
  sessionId: string;
  endUserId: string;
  characterId: string;
  memoryStores?: string[];
  /** ISO time of the session's first buffered turn */
  startedAt: string;
  /** turns 0..turnCount-1 belong to it (one more than the highest seq written) */
  turnCount: number;
  /** set when end() was called but the relay did not acknowledge it */
  endedAt?: string;
  /** identityKey(endUserId, characterId, memoryStores): what the outbox selects on */
  identity: string;
}

/** A session as its first turn brings it: the row's fields the buffer derives or learns later left out. */
export type SessionStart = Omit<SessionRow, "turnCount" | "identity" | "endedAt">;

export type StoredTurn = Turn & { sessionId: string };

interface KeepsakeDB extends DBSchema {
  sessions: { key: string; value: SessionRow; indexes: { identity: string } };
  turns: { key: [string, number]; value: StoredTurn };
}

/** The buffer the SDK writes to: IndexedDB, or memory when IndexedDB is unavailable. */
export interface TranscriptBuffer {
  /** false for the memory-only fallback */
  readonly persistent: boolean;
  /** Writes a turn and bumps its session's turnCount in one transaction (creating the session row). */
  putTurn(session: SessionStart, turn: Turn): Promise<void>;
  /** The buffered sessions of one identity, oldest first. */
  pending(identity: string): Promise<SessionRow[]>;
  /** One buffered session, or undefined once it is shipped (deleted). */
  session(sessionId: string): Promise<SessionRow | undefined>;
  /** Up to `limit` turns of a session with seq >= fromSeq, in seq order. */
  readTurns(sessionId: string, fromSeq: number, limit: number): Promise<Turn[]>;
  /** The turns of a session with the given seqs, those that exist, in seq order. */
  getTurns(sessionId: string, seqs: number[]): Promise<Turn[]>;
  /** Records that end() was called at `endedAt` (a no-op if the session has no buffered turn). */
  markEnded(sessionId: string, endedAt: string): Promise<void>;
  /** Deletes a session and all its turns in one transaction. */
  deleteSession(sessionId: string): Promise<void>;
  close(): void;
}

/** The outbox key of an identity. Ids cannot contain "|" or ",", so this is unambiguous. */
export function identityKey(endUserId: string, characterId: string, memoryStores?: readonly string[]): string {
  return `${endUserId}|${characterId}|${(memoryStores ?? []).join(",")}`;
}

/** The row of a session whose first turn is being buffered. */
const newRow = (session: SessionStart): SessionRow => ({
  ...session, identity: identityKey(session.endUserId, session.characterId, session.memoryStores), turnCount: 0,
});

const stripSession = ({ sessionId: _, ...turn }: StoredTurn): Turn => turn;

/** How long IndexedDB may take to open, or to commit a turn, before the SDK stops waiting for it. */
export const IDB_TIMEOUT_MS = 3000;

/**
 * Opens the IndexedDB buffer; if IndexedDB is missing, refuses to open (private modes) or does not
 * open within {@link IDB_TIMEOUT_MS} (queued behind another tab's blocked version upgrade), returns
 * the memory-only buffer and calls `onWarning` instead of throwing.
 */
export async function openBuffer(options: { onWarning?: (message: string) => void } = {}): Promise<TranscriptBuffer> {
  const warn = options.onWarning ?? ((m: string) => console.warn(`keepsake: ${m}`));
  const memoryOnly = "turns are buffered in memory only: end() still ships them, but they are lost if the page closes before it";
  if (typeof indexedDB === "undefined" || !indexedDB) {
    warn(`IndexedDB is unavailable: ${memoryOnly}`);
    return new MemoryBuffer();
  }
  const buffer = new IdbBuffer();
  try {
    await buffer.db();
    return buffer;
  } catch (error) {
    warn(`IndexedDB could not be opened (${describe(error)}): ${memoryOnly}`);
    return new MemoryBuffer();
  }
}

/** @internal Rejects with `message` if `promise` has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}

interface QueuedWrite {
  session: SessionStart;
  turn: Turn;
  done: (error?: unknown) => void;
}

/** The IndexedDB buffer, on idb. */
export class IdbBuffer implements TranscriptBuffer {
  readonly persistent = true;
  private opening: Promise<IDBPDatabase<KeepsakeDB>> | undefined;
  private readonly queue: QueuedWrite[] = [];
  private writing = false;

  /** The open database; reopened after another tab asked us to close it for an upgrade. */
  db(): Promise<IDBPDatabase<KeepsakeDB>> {
    if (this.opening) return this.opening;
    let raw: Promise<IDBPDatabase<KeepsakeDB>>;
    try {
      raw = openDB<KeepsakeDB>(DB_NAME, DB_VERSION, {
        upgrade(db) {
          const sessions = db.createObjectStore("sessions", { keyPath: "sessionId" });
          sessions.createIndex("identity", "identity");
          db.createObjectStore("turns", { keyPath: ["sessionId", "seq"] });
        },
        blocking: () => this.close(), // another tab upgrades: let it
        terminated: () => { this.opening = undefined; },
      });
    } catch (e) {
      raw = Promise.reject(e);
    }
    // an open queued behind another tab's blocked version upgrade would wait forever: every
    // operation would hang with it, so it fails after IDB_TIMEOUT_MS instead
    const opening = withTimeout(raw, IDB_TIMEOUT_MS, "IndexedDB did not open; another tab may be blocking a version upgrade");
    this.opening = opening;
    opening.catch(() => {
      if (this.opening === opening) this.opening = undefined;
      raw.then((db) => db.close(), () => {}); // an open that completes late is closed at once, so it blocks nobody
    });
    return opening;
  }

  /**
   * Turns recorded while a write is in flight are written together in the next transaction (at
   * most WRITE_BATCH), so a burst of records costs a few commits, not one each. Each promise
   * resolves once its turn is committed.
   */
  putTurn(session: SessionStart, turn: Turn): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ session, turn, done: (e) => (e === undefined ? resolve() : reject(e)) });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.queue.length) {
      let batch: QueuedWrite[] = [];
      let tx: IDBPTransaction<KeepsakeDB, ("sessions" | "turns")[], "readwrite"> | undefined;
      try {
        const db = await this.db(); // turns recorded meanwhile join this batch
        batch = this.queue.splice(0, WRITE_BATCH);
        tx = db.transaction(["sessions", "turns"], "readwrite", { durability: "strict" });
        const sessions = tx.objectStore("sessions");
        const turns = tx.objectStore("turns");
        const rows = new Map<string, SessionRow>();
        const puts: Promise<unknown>[] = [tx.done];
        for (const { session, turn } of batch) {
          let row = rows.get(session.sessionId);
          if (!row) {
            row = (await sessions.get(session.sessionId)) ?? newRow(session);
            rows.set(session.sessionId, row);
          }
          row.turnCount = Math.max(row.turnCount, turn.seq + 1);
          puts.push(turns.put({ ...turn, sessionId: session.sessionId }));
        }
        for (const row of rows.values()) puts.push(sessions.put(row));
        await Promise.all(puts);
        for (const w of batch) w.done();
      } catch (error) {
        if (!batch.length) batch = this.queue.splice(0); // the database did not open: fail everything queued
        // an aborted commit (e.g. QuotaExceededError) says why on the transaction; its requests only say AbortError
        const why = tx?.error ?? error ?? new Error("IndexedDB write failed");
        for (const w of batch) w.done(why);
      }
    }
    this.writing = false;
  }

  async pending(identity: string): Promise<SessionRow[]> {
    const rows = await (await this.db()).getAllFromIndex("sessions", "identity", identity);
    return rows.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }

  async session(sessionId: string): Promise<SessionRow | undefined> {
    return (await this.db()).get("sessions", sessionId);
  }

  async readTurns(sessionId: string, fromSeq: number, limit: number): Promise<Turn[]> {
    const range = IDBKeyRange.bound([sessionId, fromSeq], [sessionId, Infinity]);
    return (await (await this.db()).getAll("turns", range, limit)).map(stripSession);
  }

  async getTurns(sessionId: string, seqs: number[]): Promise<Turn[]> {
    const tx = (await this.db()).transaction("turns");
    const found = await Promise.all([...new Set(seqs)].sort((a, b) => a - b).map((seq) => tx.store.get([sessionId, seq])));
    await tx.done;
    return found.filter((t): t is StoredTurn => t !== undefined).map(stripSession);
  }

  async markEnded(sessionId: string, endedAt: string): Promise<void> {
    const tx = (await this.db()).transaction("sessions", "readwrite");
    const row = await tx.store.get(sessionId);
    if (row && !row.endedAt) await tx.store.put({ ...row, endedAt });
    await tx.done;
  }

  async deleteSession(sessionId: string): Promise<void> {
    const tx = (await this.db()).transaction(["sessions", "turns"], "readwrite");
    await Promise.all([
      tx.objectStore("sessions").delete(sessionId),
      tx.objectStore("turns").delete(IDBKeyRange.bound([sessionId, 0], [sessionId, Infinity])),
      tx.done,
    ]);
  }

  close(): void {
    const opening = this.opening;
    this.opening = undefined;
    opening?.then((db) => db.close(), () => {});
  }
}

/** The fallback when IndexedDB is unavailable: the same outbox, for the life of the page. */
export class MemoryBuffer implements TranscriptBuffer {
  readonly persistent = false;
  private readonly sessions = new Map<string, SessionRow>();
  private readonly turns = new Map<string, Map<number, Turn>>();

  async putTurn(session: SessionStart, turn: Turn): Promise<void> {
    let row = this.sessions.get(session.sessionId);
    if (!row) {
      row = newRow(session);
      this.sessions.set(session.sessionId, row);
      this.turns.set(session.sessionId, new Map());
    }
    row.turnCount = Math.max(row.turnCount, turn.seq + 1);
    this.turns.get(session.sessionId)!.set(turn.seq, { ...turn });
  }

  async pending(identity: string): Promise<SessionRow[]> {
    return [...this.sessions.values()].filter((r) => r.identity === identity).map((r) => ({ ...r }))
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }

  async session(sessionId: string): Promise<SessionRow | undefined> {
    const row = this.sessions.get(sessionId);
    return row && { ...row };
  }

  async readTurns(sessionId: string, fromSeq: number, limit: number): Promise<Turn[]> {
    const turns = [...(this.turns.get(sessionId)?.values() ?? [])].filter((t) => t.seq >= fromSeq);
    return turns.sort((a, b) => a.seq - b.seq).slice(0, limit);
  }

  async getTurns(sessionId: string, seqs: number[]): Promise<Turn[]> {
    const turns = this.turns.get(sessionId);
    return [...new Set(seqs)].sort((a, b) => a - b).flatMap((s) => turns?.get(s) ?? []);
  }

  async markEnded(sessionId: string, endedAt: string): Promise<void> {
    const row = this.sessions.get(sessionId);
    if (row && !row.endedAt) row.endedAt = endedAt;
  }

  async deleteSession(sessionId: string): Promise<void> {
    this.sessions.delete(sessionId);
    this.turns.delete(sessionId);
  }

  close(): void {}
}

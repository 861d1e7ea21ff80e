// The transcript buffer and outbox: every turn is written to IndexedDB as it is recorded, and a
// session stays here until the relay acknowledged its end. A session still here when the next
// session of the same identity connects (tab closed without end(), relay down at end()) is shipped
// then.
//
// IndexedDB layout, database "keepsake", version 1:
//   sessions  key sessionId → SessionRow; index "identity" on SessionRow.identity
//   turns     key [sessionId, seq] → StoredTurn (a Turn plus its sessionId)
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import type { Turn } from "./protocol.ts";

export const DB_NAME = "keepsake";
export const DB_VERSION = 1;

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
  putTurn(session: Omit<SessionRow, "turnCount" | "identity" | "endedAt">, turn: Turn): Promise<void>;
  /** The buffered sessions of one identity, oldest first. */
  pending(identity: string): Promise<SessionRow[]>;
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

const stripSession = ({ sessionId: _, ...turn }: StoredTurn): Turn => turn;

/**
 * Opens the IndexedDB buffer; if IndexedDB is missing, refuses to open or does not open within
 * five seconds, returns the memory-only buffer and calls `onWarning` instead of throwing.
 */
export async function openBuffer(options: { onWarning?: (message: string) => void; name?: string } = {}): Promise<TranscriptBuffer> {
  const warn = options.onWarning ?? ((m: string) => console.warn(`keepsake: ${m}`));
  if (typeof indexedDB === "undefined") {
    warn("IndexedDB is unavailable: turns are buffered in memory only and are lost if the page closes before end()");
    return new MemoryBuffer();
  }
  try {
    const buffer = new IdbBuffer(options.name ?? DB_NAME);
    await withTimeout(buffer.db(), 5000);
    return buffer;
  } catch (error) {
    warn(`IndexedDB could not be opened (${error instanceof Error ? error.message : String(error)}): turns are buffered in memory only and are lost if the page closes before end()`);
    return new MemoryBuffer();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}

/** The IndexedDB buffer, on idb. */
export class IdbBuffer implements TranscriptBuffer {
  readonly persistent = true;
  private opening: Promise<IDBPDatabase<KeepsakeDB>> | undefined;

  constructor(private readonly name: string = DB_NAME) {}

  /** The open database; reopened after another tab asked us to close it for an upgrade. */
  db(): Promise<IDBPDatabase<KeepsakeDB>> {
    this.opening ??= openDB<KeepsakeDB>(this.name, DB_VERSION, {
      upgrade(db) {
        const sessions = db.createObjectStore("sessions", { keyPath: "sessionId" });
        sessions.createIndex("identity", "identity");
        db.createObjectStore("turns", { keyPath: ["sessionId", "seq"] });
      },
      blocking: () => this.close(),
      terminated: () => { this.opening = undefined; },
    });
    const opening = this.opening;
    opening.catch(() => { if (this.opening === opening) this.opening = undefined; });
    return opening;
  }

  async putTurn(session: Omit<SessionRow, "turnCount" | "identity" | "endedAt">, turn: Turn): Promise<void> {
    const db = await this.db();
    const tx = db.transaction(["sessions", "turns"], "readwrite", { durability: "strict" });
    const sessions = tx.objectStore("sessions");
    const row: SessionRow = (await sessions.get(session.sessionId)) ?? {
      ...session,
      identity: identityKey(session.endUserId, session.characterId, session.memoryStores),
      turnCount: 0,
    };
    row.turnCount = Math.max(row.turnCount, turn.seq + 1);
    await Promise.all([sessions.put(row), tx.objectStore("turns").put({ ...turn, sessionId: session.sessionId }), tx.done]);
  }

  async pending(identity: string): Promise<SessionRow[]> {
    const rows = await (await this.db()).getAllFromIndex("sessions", "identity", identity);
    return rows.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
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

  async putTurn(session: Omit<SessionRow, "turnCount" | "identity" | "endedAt">, turn: Turn): Promise<void> {
    let row = this.sessions.get(session.sessionId);
    if (!row) {
      row = { ...session, identity: identityKey(session.endUserId, session.characterId, session.memoryStores), turnCount: 0 };
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

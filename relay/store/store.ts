// The storage contract. The embedded SQLite store implements it now; a PostgreSQL store will
// implement the same interface and pass the same conformance tests. Every operation is async and
// keyed by scope or session; none scans all memories.
import type { Kin } from "../extract/extractor.ts";
import type {
  CharacterSettings, HistoryEntry, MemoryAddResult, MemoryRecord, Scope, SessionStatus, Source, Turn,
} from "../../sdk/src/protocol.ts";

/** Who a session belongs to: fixed by its first delivery. */
export interface Owner { endUserId: string; characterId: string; memoryStores?: string[] }

export interface StoredMemory extends MemoryRecord {
  slot: string | null;
  /** the slot's value (the name for slot "name"); internal, not on the wire */
  value: string | null;
  importance: number;
}

export interface SessionRow extends Owner {
  sessionId: string;
  status: SessionStatus;
  /** distinct turns held */
  turns: number;
  turnCount: number | null;
  endedAt: string | null;
  results: MemoryAddResult[];
  error: string | null;
  attempts: number;
  /** turns 0..extractedCount-1 were extracted by an earlier job (a session reopened after an idle end) */
  extractedCount: number;
  /** which extractor made the facts of its last extraction; null before one */
  extractor: "llm" | "builtin" | null;
  /** why that was not the configured extractor (the LLM fell back to the built-in one) */
  extractorNote: string | null;
  /** when its transcript was last purged (KEEPSAKE_TRANSCRIPT_RETENTION); null while it holds every turn */
  purgedAt: string | null;
  /** the session in two or three sentences, from its last extraction; null before one, or when it said nothing */
  summary: string | null;
}

/** A processed session's summary, for the "Last time, …" lines of `context`. */
export interface SessionSummary { sessionId: string; summary: string; endedAt: string | null }

export interface NewMemory {
  memory: string;
  slot?: string | null;
  value?: string | null;
  importance?: number;
  pinned?: boolean;
  metadata?: Record<string, unknown>;
  sources?: Source[];
  expiresAt?: string;
}

/** One decided change to memories, applied in the same transaction as the job that made it. */
export type MemoryOp =
  | { event: "add"; scope: Scope; memory: NewMemory }
  | {
    event: "update"; id: string; memory: string; slot?: string | null; value?: string | null; importance?: number; addSources?: Source[];
    /** the new text's lifetime: a time for session memory, null for a lasting memory; absent: unchanged */
    expiresAt?: string | null;
    /** a REST add with `pinned: true` pins the memory it revised */
    pin?: boolean;
  }
  | { event: "delete"; id: string }
  | {
    event: "noop"; id: string; addSources?: Source[];
    /** session memory said again: its expiry moves to this time (a lasting memory stays lasting) */
    renewTo?: string;
    /** a REST add with `pinned: true` pins the memory it repeated */
    pin?: boolean;
  };

/** Words or phrases searched together, and how much a match counts. */
export interface TermGroup {
  terms: string[];
  weight: number;
  /** a memory matching any of the terms scores `weight` itself, however often or rare the terms */
  flat?: boolean;
  /** a memory whose slot starts with one of these ("occupation", "pet:") scores `weight` itself, whatever its words */
  slots?: string[];
}

export interface PatchMemory { memory?: string; pinned?: boolean; metadata?: Record<string, unknown> }

export type PutTurnsResult =
  | { ok: true; received: number; added: number }
  | { ok: false; reason: "forbidden"; owner: Owner }
  | { ok: false; reason: "conflict"; seq: number[] }
  | { ok: false; reason: "closed"; status: SessionStatus };

export type EndResult =
  | { status: "queued" | "processed" | "disabled" | "processing" | "failed" }
  | { status: "incomplete"; missing: number[] }
  | { status: "forbidden"; owner: Owner }
  | { status: "conflict"; message: string };

export interface TurnsOptions {
  /** Called once new turns are committed, before they are on disk (the result still waits for the disk). */
  added?: (received: number, added: number) => void;
}

export interface EndOptions {
  /** memory is off for the character: the session ends "disabled" and its turns go */
  disabled?: boolean;
  /**
   * Called once the session's job is committed, before the end is on disk: its extraction may start
   * while the disk catches up. (Its results are committed after the end, so a power cut never keeps
   * them without it; the acknowledgement still waits for the disk.)
   */
  queued?: () => void;
}

export interface EndUser { endUserId: string; lastActiveAt: string; metadata: Record<string, unknown> }
/**
 * Everything kept about one end user. `memories`: their pair memories with their whole history, and
 * the shared-store memories their sessions wrote, with only their own sources and the history their
 * sessions caused. `deletedMemories`: the history still kept of such memories that are gone.
 */
export interface UserExport extends EndUser {
  memories: (MemoryRecord & { history: HistoryEntry[] })[];
  deletedMemories: { id: string; history: HistoryEntry[] }[];
  sessions: (Omit<SessionRow, "attempts" | "extractedCount"> & { transcript: Turn[] })[];
}
/** What erasing an end user did: memories deleted, shared-store memories kept for their other authors, sessions deleted, and the scopes that changed. */
export interface Erasure { memories: number; storeMemoriesKept: number; sessions: number; scopes: Scope[] }
/** Filters of the end-user list: by id after `cursor`, and by when each was last active. */
export interface UserFilter { cursor?: string; activeSince?: string; inactiveSince?: string }
/** The transcript retention sweep's cut-offs: sessions processed before `before` (null: none), except the characters with their own. */
export interface RetentionCutoffs { before: string | null; characters: { characterId: string; before: string | null }[] }

export interface Job {
  id: number;
  sessionId: string;
  /** this attempt's number, counted at claim: an attempt the relay did not survive counts too */
  attempts: number;
  /** whose session it is */
  owner: Owner;
  /** when its session ended and the job was queued (the relay's clock) */
  queuedAt: string;
}

export interface Store {
  // ---- sessions and turns ----
  /** Stores turns once by (sessionId, seq); creates the session owned by `owner` on first delivery. */
  putTurns(sessionId: string, owner: Owner, turns: Turn[], opts?: TurnsOptions): Promise<PutTurnsResult>;
  /** Declares the session complete with turns 0..turnCount-1; when complete, commits status and job together. */
  endSession(sessionId: string, owner: Owner, turnCount: number, endedAt: string | undefined, opts?: EndOptions): Promise<EndResult>;
  getSession(sessionId: string): Promise<SessionRow | null>;
  getTurns(sessionId: string): Promise<Turn[]>;
  /**
   * Deletes the turns of up to `limit` sessions processed or failed before their cut-off (the
   * transcript retention: a character's own, or else the relay's); their rows, results and memories
   * stay, and a later delivery of a purged turn is taken as a repeat. Never touches a session not yet
   * processed. Returns how many sessions it purged.
   */
  purgeTranscripts(cutoffs: RetentionCutoffs, limit: number): Promise<number>;

  // ---- the extraction queue ----
  /**
   * Takes the oldest due pending job whose owner `canRun` (one left running by a crash is pending
   * again) and marks it running. A job that already had `maxAttempts` attempts (each ended by a
   * crash of the relay) is parked instead, its session marked failed.
   */
  claimJob(maxAttempts: number, canRun?: (owner: Owner) => boolean): Promise<Job | null>;
  /**
   * Applies the ops, records history, marks the session processed (with the extractor that made the
   * facts, its note and the session's summary) and the job done: one transaction.
   */
  completeJob(job: Job, ops: MemoryOp[], at: string, by: { extractor: "llm" | "builtin"; note?: string; summary?: string | null }): Promise<MemoryAddResult[]>;
  /** Records a failed attempt, to be retried from `retryAt`; after `maxAttempts` the job is parked and the session marked failed. */
  failJob(job: Job, error: string, maxAttempts: number, retryAt: string): Promise<void>;
  /** When the earliest pending job may run ("" for now), or null when none is pending. */
  nextJobAt(): Promise<string | null>;
  /** Sessions still open (or incomplete) with no delivery since `before`, oldest first. */
  idleSessions(before: string, limit: number): Promise<string[]>;
  /**
   * Ends an idle session with the turns it holds and queues its extraction, if it is still open and
   * idle since `before`. A session ended this way reopens when its player delivers more turns later.
   */
  finalizeIdle(sessionId: string, before: string): Promise<boolean>;
  /** How many sessions there are in each status (a status with none may be left out); for /metrics. */
  sessionCounts(): Promise<Partial<Record<SessionStatus, number>>>;
  /** Marks contact with a session's client (its socket left): idle time counts from now. */
  touchSession(sessionId: string): Promise<void>;
  /** The summaries of an end user's last `limit` processed sessions with a character, most recent end first. */
  lastSummaries(endUserId: string, characterId: string, limit: number): Promise<SessionSummary[]>;
  /** Ids of the sessions of `endUserId` with `characterId` that ended on one of `days` ("2025-03-12") or in one of them ("2025-03"). */
  sessionsEnded(endUserId: string, characterId: string, days: string[]): Promise<string[]>;

  // ---- memories ----
  listMemories(scopes: Scope[], opts: { offset: number; limit: number; now?: string }): Promise<{ memories: StoredMemory[]; total: number }>;
  getMemory(id: string): Promise<StoredMemory | null>;
  /** Live (unexpired) memories in `scope` whose slot is `slot`. */
  findBySlot(scope: Scope, slot: string): Promise<StoredMemory[]>;
  /** The family and pets named on the live memories of `scope` ("family:sister:ana", "pet:dog:max"), each name once, the latest first. */
  knownKin(scope: Scope): Promise<Kin[]>;
  /** Full-text search (BM25, the statistics of these scopes' memories alone) over the memories of `scopes`; higher score is better. */
  searchMemories(scopes: Scope[], query: string, limit: number): Promise<(StoredMemory & { score: number })[]>;
  /**
   * Weighted full-text search: each group's BM25 (any of its words or phrases, stemmed) times its
   * weight (or the weight alone for a flat group), summed per memory; memories matching no group are
   * left out. Best first.
   */
  rankMemories(scopes: Scope[], groups: TermGroup[], limit: number): Promise<(StoredMemory & { score: number })[]>;
  /** The live memories of `scopes` said within `turns` turns of one of `hits` (in the same session): what was said around search hits. */
  saidAround(scopes: Scope[], hits: Source[], turns: number): Promise<StoredMemory[]>;
  /** Live memories of `scopes` with no vector from `model` (never embedded, changed since, or by another model), oldest first. */
  unembedded(scopes: Scope[], model: string, limit: number): Promise<{ id: string; memory: string }[]>;
  /** Stores each vector (unit length) on its memory, unless that memory is gone or its text changed meanwhile; returns how many it stored. */
  putEmbeddings(model: string, items: { id: string; memory: string; vector: Float32Array }[]): Promise<number>;
  /** The memories of `scopes` nearest to `vector` (unit length) among those `model` embedded; `score` is the cosine. */
  nearestMemories(scopes: Scope[], model: string, vector: Float32Array, limit: number): Promise<(StoredMemory & { score: number })[]>;
  /** Applies ops outside a job (REST add), with history; returns one result per op. */
  applyOps(ops: MemoryOp[], at: string, sessionId?: string): Promise<MemoryAddResult[]>;
  patchMemory(id: string, patch: PatchMemory, at: string): Promise<StoredMemory | null>;
  deleteMemory(id: string, at: string): Promise<boolean>;
  deleteScope(scope: Scope, at: string): Promise<number>;
  /** Deletes up to `limit` memories expired by `now` (session memory), with history; returns the scopes they were in. */
  purgeExpired(now: string, limit: number): Promise<Scope[]>;
  history(id: string): Promise<HistoryEntry[]>;
  /** How many memories there are of each scope kind, expired session memory not yet swept included; for /metrics. */
  memoryCounts(): Promise<Partial<Record<Scope["kind"], number>>>;

  // ---- end users ----
  touchUser(endUserId: string, metadata: Record<string, unknown> | undefined, at: string): Promise<void>;
  /** End users ordered by id, after `filter.cursor` (an endUserId), active (or not) since a time. */
  listUsers(limit: number, filter?: UserFilter): Promise<EndUser[]>;
  /** Everything kept about one end user (UserExport), read at one instant; null when nothing is. */
  exportUser(endUserId: string): Promise<UserExport | null>;
  /**
   * Erases an end user in one transaction: pair memories of every character with their history,
   * sessions with their turns, summaries and jobs, the user row, and their part in shared stores: a
   * store memory only their sessions wrote is deleted, one other players' sessions wrote too keeps
   * only those players' sources, and the history their sessions caused is deleted.
   */
  deleteUser(endUserId: string): Promise<Erasure>;

  // ---- characters ----
  getCharacterSettings(characterId: string): Promise<CharacterSettings | null>;
  putCharacterSettings(characterId: string, settings: CharacterSettings, at: string): Promise<void>;
  /** The characters whose settings have their own transcript retention. */
  characterRetentions(): Promise<{ characterId: string; transcriptRetention: string }[]>;

  close(): Promise<void>;
}


// The embedded store: one SQLite file (node:sqlite) in KEEPSAKE_DATA_DIR, WAL. An acknowledged write
// survives a crash, and a durable one a power cut too, without the relay's thread waiting for the disk
// (#durable, below; checkpoints in ./checkpoint.ts). Search ranks a scope's memories by BM25 over that
// scope's own words (lexical.ts): read from the table once, then kept up to date by every write.
import type { Kin } from "../extract/extractor.ts";
import { namedKin } from "../extract/kin.ts";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { CharacterSettings, HistoryEntry, MemoryAddResult, MemoryEvent, Scope, SessionStatus, Source, Turn } from "../../sdk/src/protocol.ts";
import type {
  EndOptions, EndResult, EndUser, Erasure, Job, MemoryOp, Owner, PatchMemory, PutTurnsResult, RetentionCutoffs, SessionRow, SessionSummary, Store,
  StoredMemory, TermGroup, TurnsOptions, UserExport, UserFilter,
} from "./store.ts";
import { checkpoints } from "./checkpoint.ts";
import { rank, saidWithin, ScopeIndex } from "./lexical.ts";
import { mergeSources, ownerKey, scopeKey } from "./scope.ts";

type Row = Record<string, SQLInputValue>;

const SCHEMA = `
create table if not exists sessions (
  session_id text primary key,
  end_user_id text not null,
  character_id text not null,
  stores text,
  owner_key text not null,
  status text not null,
  turn_count integer,
  ended_at text,
  results text not null default '[]',
  error text,
  ended_by text,
  extracted_count integer not null default 0,
  reopen integer not null default 0,
  extractor text,
  extractor_note text,
  created_at text not null,
  updated_at text not null
);
create index if not exists sessions_user on sessions(end_user_id);
create index if not exists sessions_idle on sessions(status, updated_at);
create table if not exists turns (
  session_id text not null,
  seq integer not null,
  role text not null,
  text text not null,
  at text not null,
  metadata text,
  primary key (session_id, seq)
) without rowid;
create table if not exists jobs (
  id integer primary key,
  session_id text not null unique,
  status text not null,
  attempts integer not null default 0,
  last_error text,
  run_after text,
  created_at text not null,
  updated_at text not null
);
create index if not exists jobs_status on jobs(status, id);
create table if not exists memories (
  rowid integer primary key,
  id text not null unique,
  scope_key text not null,
  scope text not null,
  memory text not null,
  slot text,
  value text,
  importance real not null default 0.5,
  pinned integer not null default 0,
  metadata text not null default '{}',
  sources text not null default '[]',
  created_at text not null,
  updated_at text not null,
  expires_at text
);
create index if not exists memories_slot on memories(scope_key, slot);
-- a vector of a memory's text (Float32, unit length) and the embeddings model that made it; kept
-- beside the memories table so that reading memories never reads vectors
create table if not exists memory_vectors (
  rowid integer primary key,
  model text not null,
  vector blob not null
);
create table if not exists history (
  id integer primary key,
  memory_id text not null,
  event text not null,
  memory text not null,
  previous text,
  at text not null,
  session_id text
);
create index if not exists history_memory on history(memory_id, id);
create table if not exists users (
  end_user_id text primary key,
  last_active_at text not null,
  metadata text not null default '{}'
);
create table if not exists character_settings (
  character_id text primary key,
  settings text not null,
  updated_at text not null
);
`;

/**
 * How many memories the search indexes hold at most (lexical.ts), about 1 KB each: past it, the scopes
 * searched least recently are let go (and read again when next searched).
 */
const INDEXED_MEMORIES = 50_000;
/**
 * How many vector components the vector caches hold at most (4 bytes each: 32 MB, about 5,000 memories
 * at 1,536 dimensions): past it, the scopes searched least recently are let go (and read again).
 */
const CACHED_FLOATS = 8_000_000;

/**
 * `cache`'s entry for `key`, made the most recently used: the one held when `fits` it, else one read
 * anew, past which the least recently used go while the entries' sizes add up to more than `limit`.
 */
function recent<V>(cache: Map<string, V>, key: string, fits: (held: V) => boolean, read: () => V, size: (value: V) => number, limit: number): V {
  const held = cache.get(key);
  cache.delete(key);
  if (held !== undefined && fits(held)) return cache.set(key, held).get(key)!;
  const value = read();
  let total = size(value);
  for (const x of cache.values()) total += size(x);
  for (const [k, x] of cache) {
    if (total <= limit) break;
    cache.delete(k);
    total -= size(x);
  }
  cache.set(key, value);
  return value;
}

/** A stored vector as Float32 (copied when SQLite's bytes are not 4-aligned). */
function floats(blob: Uint8Array): Float32Array {
  return blob.byteOffset % 4 === 0 ? new Float32Array(blob.buffer, blob.byteOffset, blob.byteLength / 4) : new Float32Array(blob.slice().buffer);
}

/** The dot product; NaN for vectors of different lengths (made by another model of the same name). */
function dot(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return NaN;
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/** listMemories' order, as SQL sorts it: pinned first, then by importance, the most recently changed, the oldest row. */
function byRank(a: Row, b: Row): number {
  const [ua, ub] = [a.updated_at as string, b.updated_at as string];
  return Number(b.pinned) - Number(a.pinned) || Number(b.importance) - Number(a.importance) ||
    (ua < ub ? 1 : ua > ub ? -1 : 0) || Number(a.rowid) - Number(b.rowid);
}

/** The scope keys of every pair of an end user, as a range: '/' is not an Id character, '0' the one after it. */
const pairRange = (endUserId: string): [string, string] => [`pair/${endUserId}/`, `pair/${endUserId}0`];

function historyEntry(r: Row): HistoryEntry {
  return {
    event: r.event as MemoryEvent,
    memory: r.memory as string,
    previous: (r.previous as string) ?? null,
    at: r.at as string,
    ...(r.session_id ? { sessionId: r.session_id as string } : {}),
  };
}

export class SqliteStore implements Store {
  readonly #db: DatabaseSync;
  readonly #stmts = new Map<string, StatementSync>();
  /**
   * The memories of the scopes searched last, as words (lexical.ts), least recently searched first; up
   * to INDEXED_MEMORIES in all. Writes update them; a transaction rolled back drops them all.
   */
  readonly #indexes = new Map<string, ScopeIndex>();
  /**
   * The vectors of the scopes searched last by meaning, of one model each, least recently searched
   * first; up to CACHED_FLOATS components in all. Kept up to date and dropped as #indexes are.
   */
  readonly #vectors = new Map<string, { model: string; rows: Map<number, Float32Array> }>();
  /** the write-ahead log, synced by #durable; the worker that checkpoints it */
  readonly #walPath: string;
  #wal: fs.promises.FileHandle | null = null;
  readonly #checkpoints: { stop(): void };
  /** the sync in progress, and the one the writes committed meanwhile wait for */
  #syncing: Promise<void> | null = null;
  #next: Promise<void> | null = null;

  constructor(dataDir: string) {
    fs.mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, "keepsake.db");
    this.#db = new DatabaseSync(file);
    this.#db.exec("pragma journal_mode = wal; pragma synchronous = normal; pragma foreign_keys = on; pragma busy_timeout = 5000;");
    this.#walPath = `${file}-wal`;
    // the log is copied into the database file on another thread (./checkpoint.ts), not inside a commit
    this.#db.exec("pragma wal_autocheckpoint = 0");
    this.#checkpoints = checkpoints(file);
    this.#db.exec(SCHEMA);
    this.#addColumns({
      sessions: [
        "ended_by text", "extracted_count integer not null default 0", "reopen integer not null default 0",
        "extractor text", "extractor_note text", "purged_at text",
        // turns below this seq were purged (KEEPSAKE_TRANSCRIPT_RETENTION)
        "purged_below integer not null default 0",
        // the session in two or three sentences (the "Last time, …" lines of context)
        "summary text",
      ],
      jobs: ["run_after text"],
      // the scope of the memory an entry is about, so that erasing a player finds the history of their
      // memories already deleted through REST (older entries have none: erasure finds them by memory or session)
      history: ["scope_key text"],
    });
    this.#db.exec("create index if not exists history_scope on history(scope_key)");
    this.#db.exec("create index if not exists history_session on history(session_id) where session_id is not null");
    // the retention sweep of a character with its own transcript retention
    this.#db.exec("create index if not exists sessions_character_purge on sessions(character_id, status, updated_at) where turn_count > purged_below");
    // sessions whose transcript the retention sweep may purge: ended, with turns it has not purged
    this.#db.exec("create index if not exists sessions_purge on sessions(status, updated_at) where turn_count > purged_below");
    // session memory the sweep deletes once expired
    this.#db.exec("create index if not exists memories_expiry on memories(expires_at) where expires_at is not null");
    // a scope's memories in the order a connect is injected with them (listMemories): its first ones read
    // in order instead of all of them sorted, and its live ones counted from the index alone (expires_at);
    // for a scope of 2,130 memories, 0.13 ms each instead of 1.2 and 0.6 (timed in SQLite, scratch)
    this.#db.exec("create index if not exists memories_rank on memories(scope_key, pinned desc, importance desc, updated_at desc, rowid, expires_at)");
    // A job left running by a crash is pending again; its attempt was counted when it was claimed.
    this.#db.exec("update jobs set status = 'pending' where status = 'running'");
    // search ranks in the relay (lexical.ts): the full-text table of older data folders goes
    this.#db.exec("drop table if exists memories_fts");
  }

  /** Columns added after a table was first made: added to older data folders when missing. */
  #addColumns(tables: Record<string, string[]>) {
    for (const [table, columns] of Object.entries(tables)) {
      const have = new Set(this.#db.prepare(`pragma table_info(${table})`).all().map((c) => (c as Row).name));
      for (const col of columns) if (!have.has(col.split(" ")[0])) this.#db.exec(`alter table ${table} add column ${col}`);
    }
  }

  #q(sql: string): StatementSync {
    let s = this.#stmts.get(sql);
    if (!s) this.#stmts.set(sql, (s = this.#db.prepare(sql)));
    return s;
  }
  #get(sql: string, ...p: SQLInputValue[]): Row | undefined { return this.#q(sql).get(...p) as Row | undefined; }
  #all(sql: string, ...p: SQLInputValue[]): Row[] { return this.#q(sql).all(...p) as Row[]; }
  #run(sql: string, ...p: SQLInputValue[]) { return this.#q(sql).run(...p); }

  /**
   * Commits never wait for the disk on the relay's thread: the database runs with synchronous = normal
   * (WAL), so a commit is atomic and survives the relay crashing, and a write that must survive a power
   * cut too (turns, ends, edits, erasure) resolves only once #durable() has had the WAL file synced, on
   * another thread. One sync at a time; the writes committed while it runs share the next one (group
   * commit). Writes done again anyway after a power cut rolls them back (a job claimed or finished:
   * it runs again from its durable transcript; activity marks) do not wait.
   */
  #durable(): Promise<void> {
    if (this.#syncing) return this.#next ??= this.#syncing.then(() => { this.#next = null; return this.#durable(); });
    this.#syncing = this.#syncWal().finally(() => { this.#syncing = null; });
    return this.#syncing;
  }
  async #syncWal(): Promise<void> {
    this.#wal ??= await fs.promises.open(this.#walPath, "r+");
    await this.#wal.datasync();
  }
  /** `value` once what was committed before is on disk */
  #durably<T>(value: T): Promise<T> {
    return this.#durable().then(() => value);
  }

  #tx<T>(fn: () => T): T {
    this.#db.exec("begin immediate");
    try {
      const out = fn();
      this.#db.exec("commit");
      return out;
    } catch (e) {
      this.#db.exec("rollback");
      // (what the indexes took from it is undone by reading them anew)
      this.#indexes.clear();
      this.#vectors.clear();
      throw e;
    }
  }

  // ---- sessions and turns ----

  #session(sessionId: string): SessionRow | null {
    const r = this.#get(
      `select s.*, (select count(*) from turns t where t.session_id = s.session_id) as held,
              j.attempts as attempts from sessions s left join jobs j on j.session_id = s.session_id
        where s.session_id = ?`, sessionId);
    if (!r) return null;
    return {
      sessionId: r.session_id as string,
      endUserId: r.end_user_id as string,
      characterId: r.character_id as string,
      ...(r.stores ? { memoryStores: JSON.parse(r.stores as string) } : {}),
      status: r.status as SessionRow["status"],
      turns: Number(r.held),
      turnCount: r.turn_count === null ? null : Number(r.turn_count),
      endedAt: (r.ended_at as string) ?? null,
      results: JSON.parse(r.results as string),
      error: (r.error as string) ?? null,
      attempts: Number(r.attempts ?? 0),
      extractedCount: Number(r.extracted_count),
      extractor: (r.extractor as "llm" | "builtin") ?? null,
      extractorNote: (r.extractor_note as string) ?? null,
      purgedAt: (r.purged_at as string) ?? null,
      summary: (r.summary as string) ?? null,
    };
  }

  /** The session row owned by `owner`, created on first delivery; "forbidden" for another identity. */
  #claim(sessionId: string, owner: Owner, now: string): { row: Row } | { forbidden: Owner } {
    const key = ownerKey(owner);
    let row = this.#get("select * from sessions where session_id = ?", sessionId);
    if (!row) {
      const stores = owner.memoryStores?.length ? JSON.stringify([...owner.memoryStores].sort()) : null;
      this.#run(
        `insert into sessions (session_id, end_user_id, character_id, stores, owner_key, status, created_at, updated_at)
         values (?, ?, ?, ?, ?, 'open', ?, ?)`, sessionId, owner.endUserId, owner.characterId, stores, key, now, now);
      row = this.#get("select * from sessions where session_id = ?", sessionId)!;
    }
    if (row.owner_key !== key) {
      return { forbidden: { endUserId: row.end_user_id as string, characterId: row.character_id as string } };
    }
    return { row };
  }

  putTurns(sessionId: string, owner: Owner, turns: Turn[], opts: TurnsOptions = {}): Promise<PutTurnsResult> {
    const now = new Date().toISOString();
    const put = this.#tx((): PutTurnsResult => {
      const claimed = this.#claim(sessionId, owner, now);
      if ("forbidden" in claimed) return { ok: false, reason: "forbidden", owner: claimed.forbidden };
      let open = claimed.row.status === "open" || claimed.row.status === "incomplete";
      // turns the retention sweep purged were extracted: one delivered again is a repeat
      const purged = Number(claimed.row.purged_below);
      if (purged) turns = turns.filter((t) => t.seq >= purged);
      const conflicts: number[] = [];
      const fresh = new Map<number, Turn>();
      // the turns of these seqs already held, in one read
      const known = new Map(this.#all("select seq, role, text from turns where session_id = ? and seq in (select value from json_each(?))",
        sessionId, JSON.stringify(turns.map((t) => t.seq))).map((r) => [Number(r.seq), r]));
      for (const t of turns) {
        const had = fresh.get(t.seq) ?? known.get(t.seq);
        if (!had) fresh.set(t.seq, t);
        else if (had.text !== t.text || had.role !== t.role) conflicts.push(t.seq);
      }
      if (conflicts.length) return { ok: false, reason: "conflict", seq: conflicts };
      if (fresh.size && !open && claimed.row.ended_by === "idle") {
        // the relay ended it because its player seemed gone, and they came back with more: it opens
        // again (at once, or once the extraction in hand is done), and its next end extracts the new turns
        if (claimed.row.status === "processing") {
          this.#run("update sessions set reopen = 1 where session_id = ?", sessionId);
          open = true;
        } else if (claimed.row.status === "processed" || claimed.row.status === "queued") {
          this.#run("update sessions set status = 'open', turn_count = null, ended_by = null where session_id = ?", sessionId);
          this.#run("delete from jobs where session_id = ?", sessionId);
          open = true;
        }
      }
      // an ended session only accepts turns it already holds: a retry
      if (fresh.size && !open) return { ok: false, reason: "closed", status: claimed.row.status as SessionRow["status"] };
      for (const t of fresh.values()) {
        this.#run("insert into turns (session_id, seq, role, text, at, metadata) values (?, ?, ?, ?, ?, ?)",
          sessionId, t.seq, t.role, t.text, t.at, t.metadata ? JSON.stringify(t.metadata) : null);
      }
      if (fresh.size) this.#run("update sessions set updated_at = ? where session_id = ?", now, sessionId);
      const held = Number(this.#get("select count(*) as n from turns where session_id = ?", sessionId)!.n);
      return { ok: true, received: purged + held, added: fresh.size };
    });
    if (put.ok && put.added) opts.added?.(put.received, put.added);
    return this.#durably(put);
  }

  endSession(sessionId: string, owner: Owner, turnCount: number, endedAt: string | undefined, opts: EndOptions = {}): Promise<EndResult> {
    const now = new Date().toISOString();
    const ended = this.#tx((): EndResult => {
      const claimed = this.#claim(sessionId, owner, now);
      if ("forbidden" in claimed) return { status: "forbidden", owner: claimed.forbidden };
      const status = claimed.row.status as string;
      if (status !== "open" && status !== "incomplete") return { status: status as "queued" };
      const beyond = this.#get("select seq from turns where session_id = ? and seq >= ? limit 1", sessionId, turnCount);
      if (beyond) return { status: "conflict", message: `turn ${beyond.seq} was delivered but turnCount is ${turnCount}` };
      const held = this.#all("select seq from turns where session_id = ? order by seq", sessionId).map((r) => Number(r.seq));
      const missing: number[] = [];
      for (let seq = Number(claimed.row.purged_below), i = 0; seq < turnCount; seq++) {
        if (held[i] === seq) i++;
        else missing.push(seq);
      }
      const next = opts.disabled ? "disabled" : missing.length ? "incomplete" : "queued";
      this.#run("update sessions set status = ?, turn_count = ?, ended_at = ?, ended_by = 'client', updated_at = ? where session_id = ?",
        next, turnCount, endedAt ?? now, now, sessionId);
      if (next === "queued") {
        this.#run("insert into jobs (session_id, status, created_at, updated_at) values (?, 'pending', ?, ?)", sessionId, now, now);
      }
      if (next === "disabled") this.#run("delete from turns where session_id = ?", sessionId);
      return next === "incomplete" ? { status: "incomplete", missing } : { status: next };
    });
    if (ended.status === "queued") opts.queued?.();
    return this.#durably(ended);
  }

  getSession(sessionId: string): Promise<SessionRow | null> {
    return Promise.resolve(this.#session(sessionId));
  }

  getTurns(sessionId: string): Promise<Turn[]> {
    return Promise.resolve(this.#turns(sessionId));
  }

  purgeTranscripts(cutoffs: RetentionCutoffs, limit: number): Promise<number> {
    const now = new Date().toISOString();
    const due = `status in ('processed', 'failed') and updated_at < ? and turn_count > purged_below`;
    return this.#durably(this.#tx(() => {
      // the relay's retention, for every character without its own; then each character's own
      const ids = cutoffs.before === null ? [] : this.#all(
        `select session_id from sessions where ${due} and character_id not in (select value from json_each(?)) order by updated_at limit ?`,
        cutoffs.before, JSON.stringify(cutoffs.characters.map((c) => c.characterId)), limit).map((r) => r.session_id as string);
      for (const c of cutoffs.characters) {
        if (c.before === null || ids.length >= limit) continue;
        ids.push(...this.#all(`select session_id from sessions where character_id = ? and ${due} order by updated_at limit ?`,
          c.characterId, c.before, limit - ids.length).map((r) => r.session_id as string));
      }
      for (const id of ids) {
        this.#run("delete from turns where session_id = ?", id);
        this.#run("update sessions set purged_below = turn_count, purged_at = ? where session_id = ?", now, id);
      }
      return ids.length;
    }));
  }

  #turns(sessionId: string): Turn[] {
    return (this.#all("select seq, role, text, at, metadata from turns where session_id = ? order by seq", sessionId)
      .map((r) => ({
        seq: Number(r.seq), role: r.role as Turn["role"], text: r.text as string, at: r.at as string,
        ...(r.metadata ? { metadata: JSON.parse(r.metadata as string) } : {}),
      })));
  }

  // ---- the extraction queue ----

  claimJob(maxAttempts: number, canRun: (owner: Owner) => boolean = () => true): Promise<Job | null> {
    const now = new Date().toISOString();
    return Promise.resolve(this.#tx(() => {
      const due = this.#all(
        `select j.id, j.session_id, j.attempts, j.last_error, j.created_at, s.end_user_id, s.character_id, s.stores from jobs j
           join sessions s on s.session_id = j.session_id
          where j.status = 'pending' and (j.run_after is null or j.run_after <= ?) order by j.id`, now);
      for (const r of due) {
        const owner = { endUserId: r.end_user_id as string, characterId: r.character_id as string, ...(r.stores ? { memoryStores: JSON.parse(r.stores as string) } : {}) };
        if (!canRun(owner)) continue;
        if (Number(r.attempts) >= maxAttempts) {
          // every attempt so far ended with the relay itself: it would again
          const error = `extraction did not finish in ${maxAttempts} attempts: the relay stopped during them` +
            (r.last_error ? ` (last error: ${r.last_error})` : "");
          this.#run("update jobs set status = 'parked', last_error = ?, updated_at = ? where id = ?", error, now, r.id);
          this.#run("update sessions set status = 'failed', error = ?, updated_at = ? where session_id = ?", error, now, r.session_id);
          continue;
        }
        this.#run("update jobs set status = 'running', attempts = attempts + 1, updated_at = ? where id = ?", now, r.id);
        this.#run("update sessions set status = 'processing', updated_at = ? where session_id = ?", now, r.session_id);
        return { id: Number(r.id), sessionId: r.session_id as string, attempts: Number(r.attempts) + 1, owner, queuedAt: r.created_at as string };
      }
      return null;
    }));
  }

  completeJob(job: Job, ops: MemoryOp[], at: string, by: { extractor: "llm" | "builtin"; note?: string; summary?: string | null }): Promise<MemoryAddResult[]> {
    return Promise.resolve(this.#tx(() => {
      const state = this.#get("select status from jobs where id = ?", job.id);
      if (state?.status !== "running") throw new Error(`job ${job.id} is ${state?.status ?? "gone"}, not running`);
      const results = this.#applyOps(ops, at, job.sessionId);
      // the turns up to turn_count are extracted; a session reopened meanwhile goes back to open
      this.#run(
        `update sessions set results = ?, error = null, updated_at = ?, extracted_count = turn_count, extractor = ?, extractor_note = ?, summary = ?,
           status = case when reopen = 1 then 'open' else 'processed' end,
           ended_by = case when reopen = 1 then null else ended_by end,
           turn_count = case when reopen = 1 then null else turn_count end,
           reopen = 0
         where session_id = ?`,
        JSON.stringify(results), at, by.extractor, by.note ?? null, by.summary ?? null, job.sessionId);
      this.#run("delete from jobs where id = ? and exists (select 1 from sessions where session_id = ? and status = 'open')", job.id, job.sessionId);
      this.#run("update jobs set status = 'done', updated_at = ? where id = ?", at, job.id);
      return results;
    }));
  }

  failJob(job: Job, error: string, maxAttempts: number, retryAt: string): Promise<void> {
    const now = new Date().toISOString();
    this.#tx(() => {
      const parked = job.attempts >= maxAttempts;
      this.#run("update jobs set status = ?, last_error = ?, run_after = ?, updated_at = ? where id = ?",
        parked ? "parked" : "pending", error, parked ? null : retryAt, now, job.id);
      this.#run("update sessions set status = ?, error = ?, updated_at = ? where session_id = ?",
        parked ? "failed" : "queued", error, now, job.sessionId);
    });
    return this.#durable();
  }

  nextJobAt(): Promise<string | null> {
    const r = this.#get("select min(coalesce(run_after, '')) as at from jobs where status = 'pending'");
    return Promise.resolve((r?.at as string | null) ?? null);
  }

  idleSessions(before: string, limit: number): Promise<string[]> {
    return Promise.resolve(this.#all(
      `select session_id from sessions where status in ('open', 'incomplete') and updated_at < ? order by updated_at limit ?`,
      before, limit).map((r) => r.session_id as string));
  }

  finalizeIdle(sessionId: string, before: string): Promise<boolean> {
    const now = new Date().toISOString();
    return this.#durably(this.#tx(() => {
      const r = this.#get("select status, updated_at from sessions where session_id = ?", sessionId);
      if (!r || (r.status !== "open" && r.status !== "incomplete") || (r.updated_at as string) >= before) return false;
      const top = this.#get("select max(seq) as seq from turns where session_id = ?", sessionId)!.seq;
      const turnCount = top === null ? 0 : Number(top) + 1;
      this.#run(`update sessions set status = 'queued', turn_count = ?, ended_at = ?, ended_by = 'idle', updated_at = ? where session_id = ?`,
        turnCount, now, now, sessionId);
      this.#run("insert into jobs (session_id, status, created_at, updated_at) values (?, 'pending', ?, ?)", sessionId, now, now);
      return true;
    }));
  }

  sessionCounts(): Promise<Partial<Record<SessionStatus, number>>> {
    // the sessions_idle index (status, updated_at) holds every status: counted without reading the rows
    return Promise.resolve(Object.fromEntries(
      this.#all("select status, count(*) as n from sessions group by status").map((r) => [r.status as SessionStatus, Number(r.n)]),
    ));
  }

  touchSession(sessionId: string): Promise<void> {
    this.#run("update sessions set updated_at = ? where session_id = ?", new Date().toISOString(), sessionId);
    return Promise.resolve();
  }

  lastSummaries(endUserId: string, characterId: string, limit: number): Promise<SessionSummary[]> {
    return Promise.resolve(this.#all(
      `select session_id, summary, ended_at from sessions where end_user_id = ? and character_id = ? and summary is not null
        order by julianday(coalesce(ended_at, updated_at)) desc, rowid desc limit ?`, endUserId, characterId, limit)
      .map((r) => ({ sessionId: r.session_id as string, summary: r.summary as string, endedAt: (r.ended_at as string) ?? null })));
  }

  sessionsEnded(endUserId: string, characterId: string, days: string[]): Promise<string[]> {
    if (!days.length) return Promise.resolve([]);
    const marks = days.map(() => "?").join(", ");
    return Promise.resolve(this.#all(
      `select session_id from sessions where end_user_id = ? and character_id = ?
        and (substr(ended_at, 1, 10) in (${marks}) or substr(ended_at, 1, 7) in (${marks}))`,
      endUserId, characterId, ...days, ...days).map((r) => r.session_id as string));
  }

  // ---- memories ----

  #memory(r: Row): StoredMemory {
    return {
      id: r.id as string,
      memory: r.memory as string,
      scope: JSON.parse(r.scope as string),
      pinned: Boolean(r.pinned),
      createdAt: r.created_at as string,
      updatedAt: r.updated_at as string,
      ...(r.expires_at ? { expiresAt: r.expires_at as string } : {}),
      metadata: JSON.parse(r.metadata as string),
      sources: JSON.parse(r.sources as string),
      slot: (r.slot as string) ?? null,
      value: (r.value as string) ?? null,
      importance: Number(r.importance),
    };
  }

  listMemories(scopes: Scope[], opts: { offset: number; limit: number; now?: string }) {
    const keys = scopes.map(scopeKey);
    const now = opts.now ?? new Date().toISOString();
    const live = "(expires_at is null or expires_at > ?)";
    const total = Number(this.#get(`select count(*) as n from memories where scope_key in (${keys.map(() => "?").join(", ")}) and ${live}`, ...keys, now)!.n);
    // each scope's first offset + limit in rank order (the memories_rank index), then the page of them all
    const ranked = keys.flatMap((key) => this.#all(
      `select * from memories where scope_key = ? and ${live} order by pinned desc, importance desc, updated_at desc, rowid limit ?`,
      key, now, opts.offset + opts.limit));
    if (keys.length > 1) ranked.sort(byRank);
    const memories = ranked.slice(opts.offset, opts.offset + opts.limit).map((r) => this.#memory(r));
    return Promise.resolve({ memories, total });
  }

  getMemory(id: string): Promise<StoredMemory | null> {
    const r = this.#get("select * from memories where id = ?", id);
    return Promise.resolve(r ? this.#memory(r) : null);
  }

  findBySlot(scope: Scope, slot: string): Promise<StoredMemory[]> {
    // an expired memory is gone for merge too: a fact on its slot is added anew, not folded into it
    return Promise.resolve(this.#all(
      "select * from memories where scope_key = ? and slot = ? and (expires_at is null or expires_at > ?) order by rowid",
      scopeKey(scope), slot, new Date().toISOString()).map((r) => this.#memory(r)));
  }

  knownKin(scope: Scope): Promise<Kin[]> {
    return Promise.resolve(namedKin(this.#all(
      `select slot, value from memories where scope_key = ? and (slot like 'family:%:%' or slot like 'pet:%:%') and value is not null
        and (expires_at is null or expires_at > ?) order by rowid desc`, scopeKey(scope), new Date().toISOString()) as { slot: string; value: string }[]));
  }

  searchMemories(scopes: Scope[], query: string, limit: number) {
    // what rankMemories does with one group of weight 1: merge asks this for every fact
    return Promise.resolve(this.#ranked(scopes, [{ terms: query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [], weight: 1 }], limit));
  }

  rankMemories(scopes: Scope[], groups: TermGroup[], limit: number) {
    return Promise.resolve(this.#ranked(scopes, groups, limit));
  }

  /** The best `limit` live memories of `scopes` by rank() (lexical.ts), ties by age, as whole memories. */
  #ranked(scopes: Scope[], groups: TermGroup[], limit: number): (StoredMemory & { score: number })[] {
    const scores = rank(scopes.map((s) => this.#index(scopeKey(s))), groups);
    return this.#bestLive([...scores], limit);
  }

  /**
   * The best `limit` of scored memories (rowid, score), ties by age, as whole memories: only the best
   * are read, live ones (an expired memory waits for its sweep), a few more than asked for, and more
   * again in the rare case that too many of those have expired.
   */
  #bestLive(scored: [number, number][], limit: number): (StoredMemory & { score: number })[] {
    const ranked = scored.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    const out: (StoredMemory & { score: number })[] = [];
    const now = new Date().toISOString();
    for (let from = 0; out.length < limit && from < ranked.length;) {
      const next = ranked.slice(from, (from += limit - out.length + 8));
      const rows = new Map(this.#all("select * from memories where rowid in (select value from json_each(?)) and (expires_at is null or expires_at > ?)",
        JSON.stringify(next.map(([rowid]) => rowid)), now).map((r) => [Number(r.rowid), r]));
      for (const [rowid, score] of next) {
        const r = rows.get(rowid);
        if (r && out.length < limit) out.push({ ...this.#memory(r), score });
      }
    }
    return out;
  }

  /** The index of one scope's memories: read from the table when not held, then kept up to date by every write. */
  #index(key: string): ScopeIndex {
    return recent(this.#indexes, key, () => true, () =>
      new ScopeIndex(this.#all("select rowid, memory, slot, sources from memories where scope_key = ?", key)
        .map((r) => ({ rowid: Number(r.rowid), memory: r.memory as string, slot: r.slot as string | null, sources: JSON.parse(r.sources as string) }))),
    (index) => index.size, INDEXED_MEMORIES);
  }

  saidAround(scopes: Scope[], hits: Source[], turns: number): Promise<StoredMemory[]> {
    // the indexes know where each memory was said (or was once: the sources are checked exactly after)
    const rowids = scopes.flatMap((s) => this.#index(scopeKey(s)).around(hits, turns));
    if (!rowids.length) return Promise.resolve([]);
    return Promise.resolve(this.#all(
      "select * from memories where rowid in (select value from json_each(?)) and (expires_at is null or expires_at > ?) order by rowid",
      JSON.stringify(rowids), new Date().toISOString()).map((r) => this.#memory(r))
      .filter((m) => m.sources.some((s) => hits.some((h) => saidWithin(s, h, turns)))));
  }

  unembedded(scopes: Scope[], model: string, limit: number): Promise<{ id: string; memory: string }[]> {
    const keys = scopes.map(scopeKey);
    return Promise.resolve(this.#all(
      `select m.id, m.memory from memories m left join memory_vectors v on v.rowid = m.rowid
        where m.scope_key in (${keys.map(() => "?").join(", ")}) and v.model is not ?
          and (m.expires_at is null or m.expires_at > ?) order by m.rowid limit ?`,
      ...keys, model, new Date().toISOString(), limit)
      .map((r) => ({ id: r.id as string, memory: r.memory as string })));
  }

  putEmbeddings(model: string, items: { id: string; memory: string; vector: Float32Array }[]): Promise<number> {
    return this.#durably(this.#tx(() => {
      let stored = 0;
      for (const { id, memory, vector } of items) {
        // (a memory changed or deleted since it was read for embedding is left to the next indexing)
        const r = this.#get("select rowid, scope_key from memories where id = ? and memory = ?", id, memory);
        if (!r) continue;
        this.#run("insert or replace into memory_vectors (rowid, model, vector) values (?, ?, ?)",
          r.rowid, model, new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength));
        const cached = this.#vectors.get(r.scope_key as string);
        if (cached?.model === model) cached.rows.set(Number(r.rowid), vector.slice());
        else cached?.rows.delete(Number(r.rowid)); // (the row now holds another model's vector)
        stored++;
      }
      return stored;
    }));
  }

  nearestMemories(scopes: Scope[], model: string, vector: Float32Array, limit: number) {
    // a dot product of unit vectors: the cosine
    const scored: [number, number][] = [];
    for (const scope of scopes) {
      for (const [rowid, v] of this.#vectorsOf(scopeKey(scope), model)) {
        const score = dot(vector, v);
        if (Number.isFinite(score)) scored.push([rowid, score]);
      }
    }
    return Promise.resolve(this.#bestLive(scored, limit));
  }

  /** One scope's vectors of `model`, by rowid: read from the table when not held, then kept up to date by every write. */
  #vectorsOf(key: string, model: string): Map<number, Float32Array> {
    return recent(this.#vectors, key, (held) => held.model === model, () => ({
      model,
      rows: new Map(this.#all("select v.rowid, v.vector from memories m join memory_vectors v on v.rowid = m.rowid where m.scope_key = ? and v.model = ?", key, model)
        .map((r) => [Number(r.rowid), floats(r.vector as Uint8Array)])),
    }), ({ rows }) => (rows.size ? rows.values().next().value!.length * rows.size : 0), CACHED_FLOATS).rows;
  }

  applyOps(ops: MemoryOp[], at: string, sessionId?: string): Promise<MemoryAddResult[]> {
    return this.#durably(this.#tx(() => this.#applyOps(ops, at, sessionId)));
  }

  #history(memoryId: string, scopeKey: string, event: MemoryEvent, memory: string, previous: string | null, at: string, sessionId?: string) {
    this.#run("insert into history (memory_id, scope_key, event, memory, previous, at, session_id) values (?, ?, ?, ?, ?, ?, ?)",
      memoryId, scopeKey, event, memory, previous, at, sessionId ?? null);
  }

  #addSources(r: Row, add: Source[] | undefined): string {
    return JSON.stringify(mergeSources(JSON.parse(r.sources as string), add ?? []));
  }

  /** Applies decided ops inside the caller's transaction. An op whose memory is gone is skipped. */
  #applyOps(ops: MemoryOp[], at: string, sessionId?: string): MemoryAddResult[] {
    const results: MemoryAddResult[] = [];
    for (const op of ops) {
      if (op.event === "add") {
        const m = op.memory;
        const id = randomUUID();
        const info = this.#run(
          `insert into memories (id, scope_key, scope, memory, slot, value, importance, pinned, metadata, sources, created_at, updated_at, expires_at)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          id, scopeKey(op.scope), JSON.stringify(op.scope), m.memory, m.slot ?? null, m.value ?? null, m.importance ?? 0.5,
          m.pinned ? 1 : 0, JSON.stringify(m.metadata ?? {}), JSON.stringify(m.sources ?? []), at, at, m.expiresAt ?? null);
        this.#indexes.get(scopeKey(op.scope))?.add(Number(info.lastInsertRowid), m.memory, m.slot, m.sources ?? []);
        this.#history(id, scopeKey(op.scope), "add", m.memory, null, at, sessionId);
        results.push({ id, memory: m.memory, event: "add" });
        continue;
      }
      const r = this.#get("select * from memories where id = ?", op.id);
      if (!r) continue;
      // pinned, a memory no longer expires (as with PATCH)
      if (op.event !== "delete" && op.pin) this.#run("update memories set pinned = 1, expires_at = null where rowid = ?", r.rowid);
      if (op.event === "noop") {
        if (op.addSources?.length) {
          this.#run("update memories set sources = ? where rowid = ?", this.#addSources(r, op.addSources), r.rowid);
          this.#indexes.get(r.scope_key as string)?.said(Number(r.rowid), op.addSources);
        }
        if (op.renewTo && r.expires_at && !op.pin) this.#run("update memories set expires_at = ? where rowid = ?", op.renewTo, r.rowid);
        results.push({ id: op.id, memory: r.memory as string, event: "noop" });
      } else if (op.event === "update") {
        this.#run(
          `update memories set memory = ?, slot = coalesce(?, slot), value = coalesce(?, value), importance = coalesce(?, importance),
             sources = ?, updated_at = ?, expires_at = ? where rowid = ?`,
          op.memory, op.slot ?? null, op.value ?? null, op.importance ?? null, this.#addSources(r, op.addSources), at,
          op.pin ? null : op.expiresAt === undefined ? r.expires_at : op.expiresAt, r.rowid);
        this.#retext(r, op.memory, op.slot ?? (r.slot as string | null));
        this.#indexes.get(r.scope_key as string)?.said(Number(r.rowid), op.addSources ?? []);
        this.#history(op.id, r.scope_key as string, "update", op.memory, r.memory as string, at, sessionId);
        results.push({ id: op.id, memory: op.memory, event: "update", previous: r.memory as string });
      } else {
        this.#deleteRow(r, at, sessionId);
        results.push({ id: op.id, memory: r.memory as string, event: "delete" });
      }
    }
    return results;
  }

  /** A memory's text changed: its scope's index follows, and its vector (of the old text) is dropped. */
  #retext(r: Row, memory: string, slot = r.slot as string | null) {
    this.#indexes.get(r.scope_key as string)?.add(Number(r.rowid), memory, slot);
    this.#run("delete from memory_vectors where rowid = ?", r.rowid);
    this.#vectors.get(r.scope_key as string)?.rows.delete(Number(r.rowid));
  }

  /** Removes a memory with its vector, and from its scope's index. */
  #unlink(r: Row) {
    this.#run("delete from memories where rowid = ?", r.rowid);
    this.#run("delete from memory_vectors where rowid = ?", r.rowid);
    this.#indexes.get(r.scope_key as string)?.remove(Number(r.rowid));
    this.#vectors.get(r.scope_key as string)?.rows.delete(Number(r.rowid));
  }

  #deleteRow(r: Row, at: string, sessionId?: string) {
    this.#unlink(r);
    this.#history(r.id as string, r.scope_key as string, "delete", r.memory as string, r.memory as string, at, sessionId);
  }

  patchMemory(id: string, patch: PatchMemory, at: string): Promise<StoredMemory | null> {
    return this.#durably(this.#tx(() => {
      const r = this.#get("select * from memories where id = ?", id);
      if (!r) return null;
      const memory = patch.memory ?? (r.memory as string);
      // a memory pinned is kept: session memory pinned no longer expires
      this.#run("update memories set memory = ?, pinned = ?, metadata = ?, updated_at = ?, expires_at = ? where rowid = ?",
        memory, patch.pinned === undefined ? r.pinned : patch.pinned ? 1 : 0,
        patch.metadata === undefined ? r.metadata : JSON.stringify(patch.metadata), at, patch.pinned ? null : r.expires_at, r.rowid);
      if (memory !== r.memory) {
        this.#retext(r, memory);
        this.#history(id, r.scope_key as string, "update", memory, r.memory as string, at);
      }
      return this.#memory(this.#get("select * from memories where rowid = ?", r.rowid)!);
    }));
  }

  deleteMemory(id: string, at: string): Promise<boolean> {
    return this.#durably(this.#tx(() => {
      const r = this.#get("select * from memories where id = ?", id);
      if (r) this.#deleteRow(r, at);
      return Boolean(r);
    }));
  }

  purgeExpired(now: string, limit: number): Promise<Scope[]> {
    return this.#durably(this.#tx(() => {
      const rows = this.#all("select * from memories where expires_at is not null and expires_at <= ? order by expires_at limit ?", now, limit);
      for (const r of rows) this.#deleteRow(r, now);
      return [...new Map(rows.map((r) => [r.scope_key as string, JSON.parse(r.scope as string) as Scope])).values()];
    }));
  }

  deleteScope(scope: Scope, at: string): Promise<number> {
    return this.#durably(this.#tx(() => {
      const rows = this.#all("select * from memories where scope_key = ?", scopeKey(scope));
      for (const r of rows) this.#deleteRow(r, at);
      return rows.length;
    }));
  }

  history(id: string): Promise<HistoryEntry[]> {
    return Promise.resolve(this.#historyRows(id).map(historyEntry));
  }

  // ---- end users and characters ----

  memoryCounts(): Promise<Partial<Record<Scope["kind"], number>>> {
    // scope keys start with the kind ("pair/…"); the memories_slot index (scope_key, slot) holds them all
    return Promise.resolve(Object.fromEntries(
      this.#all("select substr(scope_key, 1, instr(scope_key, '/') - 1) as kind, count(*) as n from memories group by kind")
        .map((r) => [r.kind as Scope["kind"], Number(r.n)]),
    ));
  }

  touchUser(endUserId: string, metadata: Record<string, unknown> | undefined, at: string): Promise<void> {
    this.#run(
      `insert into users (end_user_id, last_active_at, metadata) values (?, ?, ?)
       on conflict (end_user_id) do update set last_active_at = excluded.last_active_at,
         metadata = case when ? is null then users.metadata else excluded.metadata end`,
      endUserId, at, JSON.stringify(metadata ?? {}), metadata ? 1 : null);
    return Promise.resolve();
  }

  listUsers(limit: number, filter: UserFilter = {}): Promise<EndUser[]> {
    const { cursor, activeSince = null, inactiveSince = null } = filter;
    return Promise.resolve(this.#all(
      `select * from users where end_user_id > ? and (? is null or last_active_at >= ?) and (? is null or last_active_at < ?)
        order by end_user_id limit ?`, cursor ?? "", activeSince, activeSince, inactiveSince, inactiveSince, limit)
      .map((r) => ({ endUserId: r.end_user_id as string, lastActiveAt: r.last_active_at as string, metadata: JSON.parse(r.metadata as string) })));
  }

  /** Memories of every pair of an end user: a range of the scope-key index. */
  #userMemories(endUserId: string): Row[] {
    return this.#all("select * from memories where scope_key >= ? and scope_key < ? order by rowid", ...pairRange(endUserId));
  }

  /**
   * An end user's sessions, and the shared-store memories any of them wrote (a source from one of
   * them): read in the stores their sessions named, so no other store is scanned.
   */
  #authored(endUserId: string): { sessions: string[]; rows: Row[] } {
    const sessions = this.#all("select session_id, stores from sessions where end_user_id = ? order by created_at", endUserId);
    const mine = new Set(sessions.map((r) => r.session_id as string));
    const stores = new Set(sessions.flatMap((r) => (r.stores ? JSON.parse(r.stores as string) as string[] : [])));
    const rows = [...stores].flatMap((store) =>
      this.#all("select * from memories where scope_key = ? order by rowid", scopeKey({ kind: "store", store }))
        .filter((r) => (JSON.parse(r.sources as string) as Source[]).some((s) => mine.has(s.sessionId))));
    return { sessions: [...mine], rows };
  }

  #historyRows(id: string): Row[] {
    return this.#all("select * from history where memory_id = ? order by id", id);
  }

  /** One synchronous read: nothing can change between its parts. */
  exportUser(endUserId: string): Promise<UserExport | null> {
    const user = this.#get("select * from users where end_user_id = ?", endUserId);
    const { sessions: ids, rows: authored } = this.#authored(endUserId);
    const mine = new Set(ids);
    const sessions = ids.map((id) => {
      const { attempts: _attempts, extractedCount: _extracted, ...s } = this.#session(id)!;
      return { ...s, transcript: this.#turns(id) };
    });
    const record = (r: Row) => {
      const { slot: _s, value: _v, importance: _i, ...m } = this.#memory(r);
      return m;
    };
    // their pair memories whole; of a store memory, only their own sources and the history their sessions caused
    const ownHistory = (rows: Row[]) => rows.filter((h) => mine.has(h.session_id as string));
    const memories = [
      ...this.#userMemories(endUserId).map((r) => ({ ...record(r), history: this.#historyRows(r.id as string).map(historyEntry) })),
      ...authored.map((r) => {
        const m = record(r);
        return { ...m, sources: m.sources.filter((s) => mine.has(s.sessionId)), history: ownHistory(this.#historyRows(r.id as string)).map(historyEntry) };
      }),
    ];
    // the history still kept of memories that are gone: in their pair scopes, or caused by their sessions
    const live = new Set(memories.map((m) => m.id));
    const gone = new Map<string, Map<number, Row>>();
    const keep = (h: Row) => {
      if (live.has(h.memory_id as string)) return;
      const entries = gone.get(h.memory_id as string) ?? gone.set(h.memory_id as string, new Map()).get(h.memory_id as string)!;
      entries.set(Number(h.id), h);
    };
    this.#all("select * from history where scope_key >= ? and scope_key < ? order by id", ...pairRange(endUserId)).forEach(keep);
    this.#all("select * from history where session_id in (select value from json_each(?)) order by id", JSON.stringify(ids)).forEach(keep);
    const deletedMemories = [...gone].map(([id, entries]) => ({ id, history: [...entries.values()].sort((a, b) => Number(a.id) - Number(b.id)).map(historyEntry) }));
    if (!user && !ids.length && !memories.length && !deletedMemories.length) return Promise.resolve(null);
    return Promise.resolve({
      endUserId, lastActiveAt: (user?.last_active_at as string) ?? "", metadata: user ? JSON.parse(user.metadata as string) : {},
      memories, deletedMemories, sessions,
    });
  }

  deleteUser(endUserId: string): Promise<Erasure> {
    return this.#durably(this.#tx(() => {
      const { sessions, rows: authored } = this.#authored(endUserId);
      const mine = new Set(sessions);
      const scopes = new Map<string, Scope>();
      const pair = this.#userMemories(endUserId);
      for (const r of pair) {
        scopes.set(r.scope_key as string, JSON.parse(r.scope as string));
        this.#unlink(r);
        this.#run("delete from history where memory_id = ?", r.id);
      }
      // the history of their pair memories deleted before
      this.#run("delete from history where scope_key >= ? and scope_key < ?", ...pairRange(endUserId));
      // shared stores: what only they wrote goes; what others wrote too keeps the others' sources
      let deleted = pair.length, kept = 0;
      for (const r of authored) {
        scopes.set(r.scope_key as string, JSON.parse(r.scope as string));
        const others = (JSON.parse(r.sources as string) as Source[]).filter((s) => !mine.has(s.sessionId));
        if (others.length) {
          this.#run("update memories set sources = ? where rowid = ?", JSON.stringify(others), r.rowid);
          kept++;
        } else {
          this.#unlink(r);
          this.#run("delete from history where memory_id = ?", r.id);
          deleted++;
        }
      }
      // every change their sessions caused, in any memory
      this.#run("delete from history where session_id in (select value from json_each(?))", JSON.stringify(sessions));
      for (const id of sessions) {
        this.#run("delete from turns where session_id = ?", id);
        this.#run("delete from jobs where session_id = ?", id);
      }
      this.#run("delete from sessions where end_user_id = ?", endUserId);
      this.#run("delete from users where end_user_id = ?", endUserId);
      return { memories: deleted, storeMemoriesKept: kept, sessions: sessions.length, scopes: [...scopes.values()] };
    }));
  }

  getCharacterSettings(characterId: string): Promise<CharacterSettings | null> {
    const r = this.#get("select settings from character_settings where character_id = ?", characterId);
    return Promise.resolve(r ? JSON.parse(r.settings as string) : null);
  }

  putCharacterSettings(characterId: string, settings: CharacterSettings, at: string): Promise<void> {
    this.#run(
      `insert into character_settings (character_id, settings, updated_at) values (?, ?, ?)
       on conflict (character_id) do update set settings = excluded.settings, updated_at = excluded.updated_at`,
      characterId, JSON.stringify(settings), at);
    return this.#durable();
  }

  characterRetentions(): Promise<{ characterId: string; transcriptRetention: string }[]> {
    return Promise.resolve(this.#all(
      `select character_id, json_extract(settings, '$.transcriptRetention') as retention from character_settings
        where json_extract(settings, '$.transcriptRetention') is not null`)
      .map((r) => ({ characterId: r.character_id as string, transcriptRetention: String(r.retention) })));
  }

  async close(): Promise<void> {
    this.#checkpoints.stop();
    for (let sync; (sync = this.#next ?? this.#syncing);) await sync;
    await this.#wal?.close();
    this.#wal = null;
    this.#db.close();
  }
}

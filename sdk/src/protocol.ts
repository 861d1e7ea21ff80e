// The Keepsake wire protocol, version 1: the one copy of its shapes. The SDK and the relay both
// validate with these schemas. PROTOCOL.md (docs/PROTOCOL.md) is the prose of the same contract.
// zod/mini, zod's tree-shakable API (functions, not methods): the same validation as zod's classic
// API, in a third of the SDK bundle's bytes (`npm run size`). It has no messages of its own until a
// locale is set: the relay sets zod's English one (relay/errors.ts), the SDK a smaller copy of the
// same messages (sdk/src/errors.ts).
import * as z from "zod/mini";
import { _coercedNumber, _isoDateTime } from "zod/v4/core";

export const PROTOCOL_VERSION = 1;

/** Every limit of the protocol and of the relay, in one place (documented in the README). */
export const LIMITS = {
  idLength: 128,
  memoryStores: 8,
  endUserMetadataBytes: 4096,
  turnTextChars: 4000,
  turnMetadataBytes: 1024,
  /** turns one session may hold */
  turnsPerSession: 10_000,
  /** turns in one `transcript` event or REST transcript body */
  turnsPerMessage: 500,
  /** Socket.IO's maxHttpBufferSize and the REST body cap */
  payloadBytes: 1_000_000,
  searchQueryChars: 500,
  searchLimit: 50,
  memoryChars: 1000,
  memoriesPerAdd: 100,
  memoryMetadataBytes: 4096,
  pageSize: 100,
  /** distinct sessions one connection may ship or end (its own and earlier ones from the outbox) */
  sessionsPerConnection: 32,
  /** connections open at once for one end user */
  socketsPerEndUser: 8,
  /**
   * events per second per connection (token bucket: this rate, bursts up to `eventBurst`). A client
   * that waits for each acknowledgement limits itself; these stop floods, not a busy honest client
   * (a burst of a few hundred searches or transcript chunks passes).
   */
  eventsPerSecond: 100,
  eventBurst: 300,
  /** events per second per end user across all their connections */
  endUserEventsPerSecond: 200,
  endUserEventBurst: 600,
  /**
   * REST requests per second per client (token bucket, 429 with Retry-After over it): per IP address
   * (an IPv6 /64) for requests without an end user's token, page-hide POSTs included; per end user
   * for an end user's token. The admin key and `/v1/health` are not limited.
   */
  restRequestsPerSecond: 100,
  restBurst: 300,
  endUserRestRequestsPerSecond: 20,
  endUserRestBurst: 60,
  /** the browser's budget for `fetch(..., { keepalive: true })` bodies in flight */
  keepaliveBytes: 65_536,
  /** most a character's settings may ask for: memories injected, `context` tokens, summaries in `context` */
  settingsInjectLimit: 1000,
  settingsContextTokens: 100_000,
  settingsContextSummaries: 20,
} as const;

export const ERROR_CODES = [
  "E_BAD_REQUEST", "E_UNAUTHORIZED", "E_FORBIDDEN", "E_NOT_FOUND",
  "E_CONFLICT", "E_TOO_LARGE", "E_RATE_LIMITED", "E_INTERNAL",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const HTTP_STATUS: Record<ErrorCode, number> = {
  E_BAD_REQUEST: 400, E_UNAUTHORIZED: 401, E_FORBIDDEN: 403, E_NOT_FOUND: 404,
  E_CONFLICT: 409, E_TOO_LARGE: 413, E_RATE_LIMITED: 429, E_INTERNAL: 500,
};

export const ErrorBody = z.object({ code: z.enum(ERROR_CODES), message: z.string() });
export type ErrorBody = z.infer<typeof ErrorBody>;

/**
 * A schema only the relay validates with, made inside `relayOnly(() => ...)`: esbuild keeps every
 * top-level call to a function of another module (it cannot tell zod's are free of side effects), so
 * otherwise the SDK bundle would carry it unused. The relay gets the schema itself, made at once.
 */
const relayOnly = /* @__NO_SIDE_EFFECTS__ */ <T>(make: () => T): T => make();

/** @internal The bytes of `v` as JSON (UTF-8), what the byte limits count. */
export const jsonBytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)).length;
/** A plain JSON object of at most `max` bytes. */
const JsonObject = (max: number) =>
  z.record(z.string(), z.unknown())
    .check(z.refine((v) => jsonBytes(v) <= max, { message: `must be at most ${max} bytes of JSON`, params: { tooLarge: true } }));

export const Id = z.string().check(z.regex(/^[A-Za-z0-9._:@-]{1,128}$/, "must be 1 to 128 characters of A-Z a-z 0-9 . _ : @ -"));
export type Id = z.infer<typeof Id>;

// z.iso.datetime() and z.coerce.number() made as zod/mini makes them: through the iso and coerce
// namespaces the SDK bundle would carry every schema of both
export const IsoDate = _isoDateTime(z.ZodMiniISODateTime, { offset: true });
const coercedNumber = () => _coercedNumber(z.ZodMiniNumber);

// ---- handshake ----

/**
 * End-user metadata: a JSON object of at most 4 KB whose `name`, if there is one, is a string. The
 * name is checked here rather than by intersecting with z.object({ name: z.optional(z.string()) }):
 * the same values pass, with the same issue, and zod's intersection code stays out of the SDK bundle.
 */
const EndUserMetadata = JsonObject(LIMITS.endUserMetadataBytes).check(z.check((ctx) => {
  const name = ctx.value.name;
  if (name !== undefined && typeof name !== "string") ctx.issues.push({ code: "invalid_type", expected: "string", input: name, path: ["name"] });
}));

export const HandshakeAuth = z.object({
  v: z.literal(PROTOCOL_VERSION),
  endUserId: Id,
  characterId: Id,
  sessionId: Id,
  memoryStores: z.optional(z.array(Id).check(z.minLength(1), z.maxLength(LIMITS.memoryStores))),
  token: z.optional(z.string().check(z.minLength(1), z.maxLength(8192))),
  metadata: z.optional(EndUserMetadata),
});
export type HandshakeAuth = z.infer<typeof HandshakeAuth>;

/**
 * The claims of an end-user token (KEEPSAKE_AUTH=token), a JWT the game's backend signs: `sub` the
 * end-user id, `chr` the character ids it may talk to (or "*" for all), `sto` the memory stores it
 * may read and write (absent: none), `exp` when it expires (seconds since 1970, required).
 */
export const TokenClaims = relayOnly(() => z.object({
  sub: Id,
  chr: z.union([z.literal("*"), z.array(Id)], { error: 'must be "*" or an array of character ids' }),
  sto: z.optional(z.array(Id)),
  exp: z.number(),
}));
export type TokenClaims = z.infer<typeof TokenClaims>;

// ---- records ----

export const Role = z.enum(["user", "character", "event"]);
export type Role = z.infer<typeof Role>;

/** A count or position bounded by LIMITS.turnsPerSession: beyond it is over a limit (E_TOO_LARGE). */
const withinSession = (max: number) =>
  z.int().check(z.minimum(0), z.refine((n) => n <= max, { message: `at most ${max}: a session holds at most ${LIMITS.turnsPerSession} turns`, params: { tooLarge: true } }));

export const Turn = z.object({
  seq: withinSession(LIMITS.turnsPerSession - 1),
  role: Role,
  text: z.string().check(z.minLength(1), z.maxLength(LIMITS.turnTextChars)),
  at: IsoDate,
  metadata: z.optional(JsonObject(LIMITS.turnMetadataBytes)),
});
export type Turn = z.infer<typeof Turn>;

export const Scope = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("pair"), endUserId: Id, characterId: Id }),
  z.object({ kind: z.literal("store"), store: Id }),
  z.object({ kind: z.literal("character"), characterId: Id }),
]);
export type Scope = z.infer<typeof Scope>;

export const Source = z.object({ sessionId: Id, seq: z.array(z.int().check(z.minimum(0))) });
export type Source = z.infer<typeof Source>;

export const MemoryRecord = z.object({
  id: z.string(),
  memory: z.string(),
  scope: Scope,
  pinned: z.boolean(),
  createdAt: IsoDate,
  updatedAt: IsoDate,
  expiresAt: z.optional(IsoDate),
  metadata: z.record(z.string(), z.unknown()),
  sources: z.array(Source),
});
export type MemoryRecord = z.infer<typeof MemoryRecord>;
// z.object over shapes, here and for MemoriesUpdatedPayload: the schema z.extend() or z.pick() would
// make, without their code in the SDK bundle
export const ScoredMemory = z.object({ ...MemoryRecord.shape, score: z.number() });
export type ScoredMemory = z.infer<typeof ScoredMemory>;

export const MemoryEvent = z.enum(["add", "update", "delete", "noop"]);
export type MemoryEvent = z.infer<typeof MemoryEvent>;

export const MemoryAddResult = z.object({
  id: z.string(),
  memory: z.string(),
  event: MemoryEvent,
  previous: z.optional(z.string()),
});
export type MemoryAddResult = z.infer<typeof MemoryAddResult>;

// ---- server to client ----

/** What `memories` and `memories:updated` both carry. */
const injection = { memories: z.array(MemoryRecord), total: z.int(), context: z.string() };

export const MemoriesPayload = z.object({ sessionId: Id, enabled: z.boolean(), ...injection });
export type MemoriesPayload = z.infer<typeof MemoriesPayload>;

export const MemoriesUpdatedPayload = z.object(injection);
export type MemoriesUpdatedPayload = z.infer<typeof MemoriesUpdatedPayload>;

export const SessionProcessedPayload = z.object({ sessionId: Id, results: z.array(MemoryAddResult) });
export type SessionProcessedPayload = z.infer<typeof SessionProcessedPayload>;

// ---- client to server ----

export const TranscriptPayload = relayOnly(() => z.object({
  sessionId: Id,
  turns: z.array(Turn).check(z.maxLength(LIMITS.turnsPerMessage)),
}));
export type TranscriptPayload = z.infer<typeof TranscriptPayload>;

export const SessionEndPayload = relayOnly(() => z.object({
  sessionId: Id,
  turnCount: withinSession(LIMITS.turnsPerSession),
  endedAt: z.optional(IsoDate),
}));
export type SessionEndPayload = z.infer<typeof SessionEndPayload>;

export const SearchPayload = z.object({
  query: z.string().check(z.minLength(1), z.maxLength(LIMITS.searchQueryChars)),
  limit: z.optional(z.int().check(z.minimum(1), z.maximum(LIMITS.searchLimit))),
});
export type SearchPayload = z.infer<typeof SearchPayload>;

/** An acknowledgement: `{ ok: true, ...T }` or `{ ok: false, error }`. */
export type Ack<T extends object> = ({ ok: true } & T) | { ok: false; error: ErrorBody };

export const SESSION_STATUSES = ["open", "queued", "processing", "processed", "incomplete", "disabled", "failed"] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export type TranscriptAck = Ack<{ received: number }>;
export type SessionEndAck = Ack<
  | { status: "queued" | "processed" | "disabled" }
  | { status: "incomplete"; missing: number[] }
>;
export type SearchAck = Ack<{ memories: ScoredMemory[] }>;

export interface ServerToClientEvents {
  memories: (p: MemoriesPayload) => void;
  "memories:updated": (p: MemoriesUpdatedPayload) => void;
  "session:processed": (p: SessionProcessedPayload) => void;
}
export interface ClientToServerEvents {
  transcript: (p: TranscriptPayload, ack: (a: TranscriptAck) => void) => void;
  "session:end": (p: SessionEndPayload, ack: (a: SessionEndAck) => void) => void;
  "memory:search": (p: SearchPayload, ack: (a: SearchAck) => void) => void;
}

// ---- REST bodies ----

const MemoryText = z.string().check(z.trim(), z.minLength(1), z.maxLength(LIMITS.memoryChars));
const MemoryMetadata = JsonObject(LIMITS.memoryMetadataBytes);

export const AddMemoriesBody = z.object({
  memories: z.array(MemoryText).check(z.minLength(1), z.maxLength(LIMITS.memoriesPerAdd)),
  pinned: z.optional(z.boolean()),
  metadata: z.optional(MemoryMetadata),
});
export type AddMemoriesBody = z.infer<typeof AddMemoriesBody>;

export const PatchMemoryBody = relayOnly(() =>
  z.object({ memory: z.optional(MemoryText), pinned: z.optional(z.boolean()), metadata: z.optional(MemoryMetadata) })
    .check(z.refine((b) => b.memory !== undefined || b.pinned !== undefined || b.metadata !== undefined, {
      message: "give at least one of memory, pinned, metadata",
    })));
export type PatchMemoryBody = z.infer<typeof PatchMemoryBody>;

export const PageQuery = z.object({
  page: z._default(coercedNumber().check(z.int(), z.minimum(1)), 1),
  pageSize: z._default(coercedNumber().check(z.int(), z.minimum(1), z.maximum(LIMITS.pageSize)), 50),
});

export const UsersQuery = relayOnly(() => z.object({
  limit: z._default(coercedNumber().check(z.int(), z.minimum(1), z.maximum(LIMITS.pageSize)), 50),
  cursor: z.optional(Id),
  /** only end users whose lastActiveAt is at or after this time */
  activeSince: z.optional(IsoDate),
  /** only end users not active since this time (lastActiveAt before it) */
  inactiveSince: z.optional(IsoDate),
}));

export const TranscriptRestBody = relayOnly(() => z.object({
  endUserId: Id,
  characterId: Id,
  memoryStores: z.optional(z.array(Id).check(z.minLength(1), z.maxLength(LIMITS.memoryStores))),
  token: z.optional(z.string().check(z.minLength(1), z.maxLength(8192))),
  turns: z.array(Turn).check(z.maxLength(LIMITS.turnsPerMessage)),
}));
export type TranscriptRestBody = z.infer<typeof TranscriptRestBody>;

/** A duration as KEEPSAKE_TRANSCRIPT_RETENTION takes it: 30d, 12h, 90m, 45s, 500ms, a number of days, or off. */
export const Duration = relayOnly(() => z.string().check(z.regex(/^(off|\d+(\.\d+)?(ms|s|m|h|d)?)$/, 'must be a duration: 30d, 12h, 90m, 45s, 500ms, a number of days, or "off"')));

/**
 * A character's settings (PUT replaces them all). A field left out takes the relay's default:
 * memory on, KEEPSAKE_INJECT_LIMIT, KEEPSAKE_CONTEXT_TOKENS, KEEPSAKE_CONTEXT_SUMMARIES and
 * KEEPSAKE_TRANSCRIPT_RETENTION. An unknown field is refused, so that a misspelt one is not lost.
 */
export const CharacterSettings = relayOnly(() => z.strictObject({
  memoryEnabled: z.optional(z.boolean()),
  injectLimit: z.optional(z.int().check(z.minimum(1), z.maximum(LIMITS.settingsInjectLimit))),
  contextTokens: z.optional(z.int().check(z.minimum(1), z.maximum(LIMITS.settingsContextTokens))),
  contextSummaries: z.optional(z.int().check(z.minimum(0), z.maximum(LIMITS.settingsContextSummaries))),
  transcriptRetention: z.optional(Duration),
}));
export type CharacterSettings = z.infer<typeof CharacterSettings>;

// ---- REST answers ----

// The answers of the pair memory routes, which the SDK's MemoryManager checks.
const Count = z.int().check(z.minimum(0));
export const MemoryPage = z.object({ memories: z.array(MemoryRecord), total: Count, page: z.int(), pageSize: z.int(), hasMore: z.boolean() });
export type MemoryPage = z.infer<typeof MemoryPage>;
export const AddMemoriesAnswer = z.object({ results: z.array(MemoryAddResult) });
/** DELETE of a whole scope's memories: how many were deleted */
export const DeleteMemoriesAnswer = z.object({ deleted: Count });
export const DeleteMemoryAnswer = z.object({ deleted: z.literal(true), id: z.string() });

/** The schemas of the REST routes' answers: the relay's GET /v1/openapi.json documents each route with them. */
export function restAnswers() {
  return answers;
}
// relayOnly, as the other schemas the SDK never validates with
const answers = relayOnly(() => {
  const Extractor = z.enum(["llm", "builtin"]);
  /** one add, update or delete of a memory; `sessionId` when a session's extraction made it */
  const HistoryEntry = z.object({ event: MemoryEvent, memory: z.string(), previous: z.nullable(z.string()), at: IsoDate, sessionId: z.optional(z.string()) });
  return {
    HealthAnswer: z.object({ ok: z.literal(true), version: z.string() }),
    MemoryPage, AddMemoriesAnswer, DeleteMemoriesAnswer, DeleteMemoryAnswer,
    HistoryEntry,
    HistoryAnswer: z.object({ history: z.array(HistoryEntry) }),
    UsersPage: z.object({
      users: z.array(z.object({ endUserId: Id, lastActiveAt: IsoDate, metadata: z.record(z.string(), z.unknown()) })),
      nextCursor: z.nullable(Id),
    }),
    SessionView: z.object({
      sessionId: Id, endUserId: Id, characterId: Id, memoryStores: z.optional(z.array(Id)),
      status: z.enum(SESSION_STATUSES), turns: Count, turnCount: z.nullable(Count), results: z.array(MemoryAddResult),
      error: z.optional(z.string()), attempts: z.optional(Count),
      /** which extractor made the memories of its last extraction, and why not the configured one */
      extractor: z.optional(Extractor), extractorNote: z.optional(z.string()),
      /** the session in two or three third-person sentences, once processed (absent when it said nothing to remember) */
      summary: z.optional(z.string()),
    }),
    /** everything the relay keeps about one end user */
    UserExport: z.object({
      endUserId: Id,
      /** "" when the player never connected (what is kept came through REST or the page-hide POST) */
      lastActiveAt: z.string(),
      metadata: z.record(z.string(), z.unknown()),
      memories: z.array(z.extend(MemoryRecord, { history: z.array(HistoryEntry) })),
      deletedMemories: z.array(z.object({ id: z.string(), history: z.array(HistoryEntry) })),
      sessions: z.array(z.object({
        sessionId: Id, endUserId: Id, characterId: Id, memoryStores: z.optional(z.array(Id)),
        status: z.enum(SESSION_STATUSES), turns: Count, turnCount: z.nullable(Count), endedAt: z.nullable(IsoDate), results: z.array(MemoryAddResult),
        error: z.nullable(z.string()), extractor: z.nullable(Extractor), extractorNote: z.nullable(z.string()), purgedAt: z.nullable(IsoDate),
        summary: z.nullable(z.string()), transcript: z.array(Turn),
      })),
    }),
    ErasureAnswer: z.object({ deleted: z.literal(true), endUserId: Id, memories: Count, storeMemoriesKept: Count, sessions: Count }),
    TranscriptRestAnswer: z.object({ ok: z.literal(true), received: Count }),
    /** a character's settings as GET and PUT answer them: what is set, and memoryEnabled always */
    CharacterSettingsAnswer: z.extend(CharacterSettings, { memoryEnabled: z.boolean() }),
  };
});
export type HistoryEntry = z.infer<ReturnType<typeof restAnswers>["HistoryEntry"]>;
export type SessionView = z.infer<ReturnType<typeof restAnswers>["SessionView"]>;

/**
 * The protocol code of a validation failure: text, a list or metadata over its limit is E_TOO_LARGE,
 * anything else E_BAD_REQUEST. The relay and the SDK both code failures with this.
 */
export function errorCodeFor(error: z.core.$ZodError): "E_TOO_LARGE" | "E_BAD_REQUEST" {
  const tooLarge = error.issues.some((i) =>
    (i.code === "too_big" && (i.origin === "string" || i.origin === "array")) ||
    (i.code === "custom" && (i.params as { tooLarge?: boolean } | undefined)?.tooLarge === true));
  return tooLarge ? "E_TOO_LARGE" : "E_BAD_REQUEST";
}

/** First zod issue as one readable line: `turns.3.text: too long (max 4000)`. */
export function describeZodError(error: z.core.$ZodError): string {
  const i = error.issues[0];
  if (!i) return "invalid payload";
  const where = i.path.length ? i.path.join(".") : "payload";
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : "";
  return `${where}: ${i.message}${more}`;
}

// The REST API as an OpenAPI 3.1 document (GET /v1/openapi.json), made from the router's own list
// of routes and the protocol's zod schemas (z.toJSONSchema): a route's request body and query are
// the schemas it validates with, its answer the protocol's REST answer. A route of the router that
// is not described below is still listed ("undocumented"), and test/integration/ops.test.ts fails.
import * as z from "zod/mini";
import {
  AddMemoriesBody, CharacterSettings, ErrorBody, Id, MemoryRecord, PageQuery, PatchMemoryBody, restAnswers, TranscriptRestBody,
  UsersQuery,
} from "../sdk/src/protocol.ts";

type Schema = z.core.$ZodType;
/** What the document says of a route: its purpose, the body and query it takes, and its answer (200). */
export interface RouteDoc { summary: string; body?: Schema; query?: z.ZodMiniObject; answer: Schema; description?: string }
interface Route { method: string; path: string; access: "public" | "player" | "admin" }

/** "GET /v1/users/:endUserId/characters/:characterId/memories" → its document */
function routeDocs(): Record<string, RouteDoc> {
  const a = restAnswers();
  const docs: Record<string, RouteDoc> = {
    "GET /v1/health": { summary: "The relay is up, and its version", answer: a.HealthAnswer },
    "GET /v1/openapi.json": { summary: "This document", answer: z.record(z.string(), z.unknown()) },
    "GET /v1/memories/:id/history": {
      summary: "Every add, update and delete of a memory, oldest first, with the session whose extraction made it",
      description: "Kept after the memory is deleted, until its player is erased.", answer: a.HistoryAnswer,
    },
    "GET /v1/users": {
      summary: "End users by id, a page at a time, filtered by when each was last active", query: UsersQuery, answer: a.UsersPage,
      description: "`nextCursor` is the last id of the page while there are more, `null` at the end.",
    },
    "GET /v1/users/:endUserId/export": {
      summary: "Everything the relay keeps about an end user, as a JSON attachment", answer: a.UserExport,
      description: "Pair memories with their history, the shared-store memories their sessions wrote (their own sources and history), the history of their deleted memories, and their sessions with transcripts and summaries.",
    },
    "DELETE /v1/users/:endUserId": {
      summary: "Erases an end user at once: memories, history their sessions caused, sessions, and their part in shared stores", answer: a.ErasureAnswer,
    },
    "GET /v1/sessions/:sessionId": { summary: "A session: status, turns held, extraction results, extractor and summary", answer: a.SessionView },
    "POST /v1/sessions/:sessionId/transcript": {
      summary: "Turns of a session sent when its page is hidden (fetch with keepalive)", body: TranscriptRestBody, answer: a.TranscriptRestAnswer,
      description: "Public: the body names the session's identity like a handshake, and in token mode carries the end user's token.",
    },
    "GET /v1/characters/:characterId/settings": { summary: "A character's settings (memoryEnabled always)", answer: a.CharacterSettingsAnswer },
    "PUT /v1/characters/:characterId/settings": {
      summary: "Replaces a character's settings; a field left out takes the relay's default", body: CharacterSettings, answer: a.CharacterSettingsAnswer,
    },
  };
  const scopes: [string, string][] = [
    ["/v1/users/:endUserId/characters/:characterId/memories", "an end user's private memories of a character (pair memory)"],
    ["/v1/stores/:store/memories", "a shared store's memories"],
    ["/v1/characters/:characterId/memories", "a character's own knowledge"],
  ];
  for (const [path, what] of scopes) {
    docs[`GET ${path}`] = { summary: `Lists ${what}, ranked, a page at a time`, query: PageQuery, answer: a.MemoryPage };
    docs[`POST ${path}`] = {
      summary: `Adds to ${what}: each text is merged like an extracted fact (add, update or noop)`, body: AddMemoriesBody, answer: a.AddMemoriesAnswer,
    };
    docs[`DELETE ${path}`] = { summary: `Deletes all of ${what}`, answer: a.DeleteMemoriesAnswer };
    docs[`GET ${path}/:id`] = { summary: `One memory of ${what}`, answer: MemoryRecord };
    docs[`PATCH ${path}/:id`] = { summary: `Changes one memory of ${what}: its text, pinned or metadata`, body: PatchMemoryBody, answer: MemoryRecord };
    docs[`DELETE ${path}/:id`] = { summary: `Deletes one memory of ${what}`, answer: a.DeleteMemoryAnswer };
  }
  return docs;
}

/** A zod schema as JSON Schema (2020-12, OpenAPI 3.1's dialect): as the relay takes it (`input`) or answers it (`output`). */
export function jsonSchema(schema: Schema, io: "input" | "output"): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
}

const SECURITY = {
  public: [],
  player: [{ adminKey: [] }, { endUserToken: [] }],
  admin: [{ adminKey: [] }],
};

export function openApiDocument(routes: Route[], version: string): Record<string, unknown> {
  const docs = routeDocs();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const doc = docs[`${r.method} ${r.path}`] ?? { summary: "undocumented", answer: z.unknown() };
    const template = r.path.replace(/:(\w+)/g, "{$1}");
    const parameters = [
      ...[...r.path.matchAll(/:(\w+)/g)].map(([, name]) => ({ name, in: "path", required: true, schema: jsonSchema(Id, "input") })),
      ...Object.entries(doc.query?.shape ?? {}).map(([name, s]) => ({ name, in: "query", required: false, schema: jsonSchema(s as Schema, "input") })),
    ];
    const headers = r.path.endsWith("/export")
      ? { headers: { "content-disposition": { schema: { type: "string" }, description: 'attachment; filename="keepsake-<endUserId>.json"' } } }
      : {};
    (paths[template] ??= {})[r.method.toLowerCase()] = {
      summary: doc.summary,
      ...(doc.description ? { description: doc.description } : {}),
      security: SECURITY[r.access],
      ...(parameters.length ? { parameters } : {}),
      ...(doc.body ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(doc.body, "input") } } } } : {}),
      responses: {
        200: { description: "OK", ...headers, content: { "application/json": { schema: jsonSchema(doc.answer, "output") } } },
        "4XX": { $ref: "#/components/responses/ProtocolError" },
        "5XX": { $ref: "#/components/responses/ProtocolError" },
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Keepsake relay REST API",
      version,
      description: "Long-term memory for game characters. Every error is `{ code, message }` with the code's HTTP status " +
        "(PROTOCOL.md). In open mode without KEEPSAKE_ADMIN_KEY every route is open (development, loopback only).",
    },
    paths,
    components: {
      securitySchemes: {
        adminKey: { type: "http", scheme: "bearer", description: "The operator's key, KEEPSAKE_ADMIN_KEY" },
        endUserToken: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "Token mode: an end user's token, for their own pair memories" },
      },
      responses: {
        ProtocolError: { description: "A protocol error", content: { "application/json": { schema: jsonSchema(ErrorBody, "output") } } },
      },
    },
  };
}

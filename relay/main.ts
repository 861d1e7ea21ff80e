// The relay's entry point: the only place that reads the environment.
import path from "node:path";
import pkg from "../package.json" with { type: "json" };
import { LIMITS } from "../sdk/src/protocol.ts";
import { MIN_SECRET_BYTES, parseJwks, Tokens } from "./auth.ts";
import { Embeddings } from "./embeddings.ts";
import type { Extractor } from "./extract/extractor.ts";
import { LlmExtractor } from "./extract/llm.ts";
import { type Endpoint, shownUrl } from "./openai.ts";
import { configureLog, LOG_FORMATS, LOG_LEVELS, log } from "./log.ts";
import { parseDuration, parseRedact } from "./privacy.ts";
import { WorkerExtractor } from "./extract/worker.ts";
import { warmUpRelay } from "./warmup.ts";
import { loadWordNet } from "./wordnet.ts";
import { createRelay, type RelayOptions } from "./server.ts";
import { SqliteStore } from "./store/sqlite.ts";

const env = (name: string, fallback?: string) => Deno.env.get(name) || fallback;
/** A setting the relay cannot start with: said (`keepsake: …`), and the process exits 2. */
function refuse(message: string): never {
  log.error(`keepsake: ${message}`);
  Deno.exit(2);
}
const root = path.resolve(import.meta.dirname!, "..");

// The log first, so that every line below is in its format: JSON for a log collector, text for a
// person at a terminal (the default there), from KEEPSAKE_LOG_LEVEL up.
// (a wrong value is said in the format and from the level that are right, or else text from info)
const logLevel = env("KEEPSAKE_LOG_LEVEL", "info")!;
const logFormat = env("KEEPSAKE_LOG_FORMAT", Deno.stdout.isTerminal() ? "text" : "json")!;
const level = LOG_LEVELS.find((l) => l === logLevel), format = LOG_FORMATS.find((f) => f === logFormat);
configureLog({ level: level ?? "info", format: format ?? "text" });
if (!level) refuse(`KEEPSAKE_LOG_LEVEL=${logLevel} is not a level: use ${LOG_LEVELS.join(", ")}`);
if (!format) refuse(`KEEPSAKE_LOG_FORMAT=${logFormat} is not a format: use json (one object a line) or text`);

const host = env("KEEPSAKE_HOST", "127.0.0.1")!;
const port = Number(env("KEEPSAKE_PORT", "8787"));

// Who may connect: `open` (development: anyone can claim any end-user id, so loopback only unless
// allowed) or `token` (a JWT from the game's backend on every handshake and end-user REST call).
const auth = env("KEEPSAKE_AUTH", "open")!;
let tokens: Tokens | undefined;
if (auth === "token") {
  const secret = env("KEEPSAKE_TOKEN_SECRET");
  const jwksSetting = env("KEEPSAKE_TOKEN_JWKS");
  if (!secret && !jwksSetting) {
    refuse("KEEPSAKE_AUTH=token needs KEEPSAKE_TOKEN_SECRET (HS256) or KEEPSAKE_TOKEN_JWKS (EdDSA/ES256 public keys: a file path or inline JSON), or both");
  }
  if (secret && new TextEncoder().encode(secret).length < MIN_SECRET_BYTES) {
    refuse(`KEEPSAKE_TOKEN_SECRET is shorter than ${MIN_SECRET_BYTES} bytes; HS256 needs at least that (e.g. openssl rand -base64 32)`);
  }
  let jwks;
  if (jwksSetting) {
    const inline = jwksSetting.trimStart().startsWith("{");
    try {
      jwks = parseJwks(inline ? jwksSetting : Deno.readTextFileSync(jwksSetting));
    } catch (e) {
      refuse(`KEEPSAKE_TOKEN_JWKS ${inline ? "(inline JSON)" : `file ${jwksSetting}`}: ${e instanceof Error ? e.message : e}`);
    }
  }
  tokens = new Tokens({ secret, jwks });
  if (!env("KEEPSAKE_ADMIN_KEY")) log.info("keepsake: KEEPSAKE_ADMIN_KEY is not set: the admin REST routes are off; end users still reach their own memories with their tokens");
  log.info(`keepsake: token mode: end-user tokens signed with ${[secret && "HS256 (KEEPSAKE_TOKEN_SECRET)", jwks && `EdDSA/ES256 (${jwks.keys.length} keys in KEEPSAKE_TOKEN_JWKS)`].filter(Boolean).join(" or ")}`);
} else if (auth === "open") {
  const loopback = /^(localhost|127(\.\d+){3}|::1|\[::1\])$/.test(host);
  if (!loopback && env("KEEPSAKE_ALLOW_OPEN_PUBLIC") !== "1") {
    refuse(`KEEPSAKE_AUTH=open lets anyone who reaches the relay claim any end-user id, so it binds to loopback only and KEEPSAKE_HOST=${host} is not; use KEEPSAKE_AUTH=token for a reachable relay, or set KEEPSAKE_ALLOW_OPEN_PUBLIC=1 to bind anyway (development only)`);
  }
  log.warn("keepsake: open mode: anyone who can reach this relay can claim any end-user id; development only");
  if (env("KEEPSAKE_TOKEN_SECRET") || env("KEEPSAKE_TOKEN_JWKS")) log.warn("keepsake: KEEPSAKE_TOKEN_SECRET/KEEPSAKE_TOKEN_JWKS are set but ignored: tokens are checked only with KEEPSAKE_AUTH=token");
} else {
  refuse(`KEEPSAKE_AUTH=${auth} is not a mode: use open (development, loopback) or token`);
}
if (env("KEEPSAKE_DATABASE_URL")) {
  refuse("KEEPSAKE_DATABASE_URL is set, but the PostgreSQL store does not exist yet; unset it to use the embedded store");
}

/** A whole number ≥ min from the environment, or exit 2 saying which variable is wrong. */
const count = (name: string, fallback: number, min = 1) => {
  const raw = env(name, String(fallback))!;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > 2 ** 31 - 1) {
    refuse(`${name}=${raw} is not a whole number from ${min} to ${2 ** 31 - 1}`);
  }
  return n;
};

/**
 * An OpenAI-compatible server from `${prefix}_URL`, `_MODEL` and `_API_KEY`: undefined when the URL is
 * unset; exit 2 when it is not http(s) or the model is missing.
 */
const endpoint = (prefix: string, example: string): Endpoint | undefined => {
  const url = env(`${prefix}_URL`);
  if (!url) return undefined;
  const model = env(`${prefix}_MODEL`);
  if (!model) {
    refuse(`${prefix}_URL is set but ${prefix}_MODEL is not: name the model (e.g. ${example})`);
  }
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    refuse(`${prefix}_URL=${url} is not an http(s) URL`);
  }
  return { url, model, apiKey: env(`${prefix}_API_KEY`) };
};
const keyNote = (e: Endpoint) => (e.apiKey ? " (with an API key)" : "");

// The extractor: the built-in one in worker threads, or an LLM that falls back to it session by session.
// Sessions of different players (or stores) are extracted at once, up to KEEPSAKE_EXTRACT_CONCURRENCY.
const llm = endpoint("KEEPSAKE_LLM", "gpt-4o-mini, or llama3.1 for Ollama");
const cpus = navigator.hardwareConcurrency || 1;
const extractConcurrency = count("KEEPSAKE_EXTRACT_CONCURRENCY", llm ? 4 : Math.min(4, cpus));
const workers = new WorkerExtractor(Math.min(extractConcurrency, cpus));
let extractor: Extractor = workers;
if (llm) {
  const llmExtractor = new LlmExtractor({
    ...llm,
    timeoutMs: count("KEEPSAKE_LLM_TIMEOUT_MS", 30_000),
    retryMs: count("KEEPSAKE_LLM_RETRY_MS", 1000, 0),
    chunkChars: count("KEEPSAKE_LLM_CHUNK_CHARS", 24_000, 1000),
    fallback: workers,
  });
  log.info(`keepsake: extractor: LLM ${llm.model} at ${shownUrl(llmExtractor.endpoint)}${keyNote(llm)}, falling back to the built-in extractor per session`);
  extractor = llmExtractor;
} else {
  log.info("keepsake: extractor: built-in (offline; set KEEPSAKE_LLM_URL and KEEPSAKE_LLM_MODEL to use an LLM)");
}

// Embeddings (optional): hybrid search, and merge that knows a paraphrase; lexical whenever the endpoint fails.
let embeddings: Embeddings | undefined;
const embedder = endpoint("KEEPSAKE_EMBEDDINGS", "text-embedding-3-small, or nomic-embed-text for Ollama");
if (embedder) {
  const sameAt = Number(env("KEEPSAKE_EMBEDDINGS_MERGE_SIMILARITY", "0.9"));
  if (!(sameAt > 0 && sameAt <= 1)) {
    refuse(`KEEPSAKE_EMBEDDINGS_MERGE_SIMILARITY=${env("KEEPSAKE_EMBEDDINGS_MERGE_SIMILARITY")} is not a cosine above 0 and at most 1`);
  }
  embeddings = new Embeddings({ ...embedder, sameAt, timeoutMs: count("KEEPSAKE_EMBEDDINGS_TIMEOUT_MS", 5000) });
  log.info(`keepsake: embeddings: ${embedder.model} at ${shownUrl(embeddings.endpoint)}${keyNote(embedder)}; search is hybrid`);
}

// Privacy (relay/privacy.ts): the secrets redacted from memories, and how long transcripts are kept.
const parsed = <T>(name: string, fallback: string, parse: (v: string) => T): T => {
  const raw = env(name, fallback)!;
  try {
    return parse(raw);
  } catch (e) {
    refuse(`${name}=${raw}: ${e instanceof Error ? e.message : e}`);
  }
};
const redact = parsed("KEEPSAKE_REDACT", "on", parseRedact);
const retention = parsed("KEEPSAKE_TRANSCRIPT_RETENTION", "30d", parseDuration);
log.info(`keepsake: privacy: memories are redacted of ${redact.size ? [...redact].join(", ") : "nothing (KEEPSAKE_REDACT=off)"}; ` +
  `transcripts ${retention === null ? "are kept until deleted" : `are purged ${env("KEEPSAKE_TRANSCRIPT_RETENTION", "30d")!.replace(/^[\d.]+$/, "$& days")} after their session is processed`}`);

// Injection (relay/memories.ts): how much a session is given at connect, and how long session memory lives.
const injectLimit = count("KEEPSAKE_INJECT_LIMIT", 50);
const contextTokens = count("KEEPSAKE_CONTEXT_TOKENS", 1000);
const contextSummaries = count("KEEPSAKE_CONTEXT_SUMMARIES", 3, 0);
// a duration (24h, 90m, 2d, 45s, 500ms) or a number of milliseconds
const sessionMemoryTtlMs = parsed("KEEPSAKE_SESSION_MEMORY_TTL", "24h", (v) => {
  let ms: number | null = NaN;
  try { ms = /^\s*\d+\s*$/.test(v) ? Number(v) : parseDuration(v); } catch { /* said below */ }
  if (ms === null || !(ms > 0 && ms < 1e14)) throw new Error("is not a duration above 0: use e.g. 24h, 90m, 2d, 45s, 500ms or a number of milliseconds");
  return ms;
});

const LOOPBACK = /^https?:\/\/(localhost|127(\.\d+){3}|\[::1\])(:\d+)?$/;
const origins = env("KEEPSAKE_ALLOWED_ORIGINS")?.split(",").map((o) => o.trim()).filter(Boolean);
const allowedOrigins = (origin: string) => (origins ? origins.includes(origin) || origins.includes("*") : LOOPBACK.test(origin));

const options: Omit<RelayOptions, "store"> = {
  extractor,
  version: pkg.version,
  adminKey: env("KEEPSAKE_ADMIN_KEY"),
  tokens,
  allowedOrigins,
  injectLimit,
  contextTokens,
  contextSummaries,
  sessionMemoryTtlMs,
  sessionIdleMs: Number(env("KEEPSAKE_SESSION_IDLE_MS", "600000")),
  jobRetryMs: Number(env("KEEPSAKE_JOB_RETRY_MS", "1000")),
  extractConcurrency,
  eventsPerSecond: Number(env("KEEPSAKE_EVENTS_PER_SECOND", String(LIMITS.eventsPerSecond))),
  restPerSecond: count("KEEPSAKE_REST_PER_SECOND", LIMITS.restRequestsPerSecond),
  redact,
  transcriptRetentionMs: retention ?? undefined,
  staticDirs: { "/examples/": path.join(root, "examples"), "/dist/": path.join(root, "dist") },
  embeddings,
};
const relayWarmUpMs = count("KEEPSAKE_RELAY_WARMUP_MS", 3000, 0);
const relay = createRelay({ ...options, store: new SqliteStore(path.resolve(env("KEEPSAKE_DATA_DIR", "./data")!)) });

// A bug in one handler must not take every player's relay down: log it loudly and keep serving.
globalThis.addEventListener("unhandledrejection", (e) => {
  e.preventDefault();
  log.error("keepsake: unhandled rejection (a bug; please report it)", { err: e.reason });
});

// The built-in extractor is warmed up before the relay listens: its first sessions would be slow;
// search's WordNet is read into memory meanwhile.
await Promise.all([loadWordNet(), llm ? undefined : workers.warm(count("KEEPSAKE_EXTRACT_WARMUP_MS", 1500, 0))]);
// Then the relay's own code, on a throwaway relay (relay/warmup.ts) whose sessions the workers extract
// whatever the extractor: nothing of it is kept. A warm-up that fails only costs the first sessions time.
if (relayWarmUpMs > 0) {
  const started = performance.now();
  await warmUpRelay(options, workers, relayWarmUpMs).then(
    (n) => log.info(`keepsake: warmed up on ${n} made-up sessions in ${Math.round(performance.now() - started)} ms (KEEPSAKE_RELAY_WARMUP_MS)`, { sessions: n }),
    (e) => log.warn(`keepsake: the warm-up stopped early, the first sessions may be slower: ${e instanceof Error ? e.message : String(e)}`),
  );
}

const where = await relay.listen(port, host);
const url = `http://${where.host.includes(":") ? `[${where.host}]` : where.host}:${where.port}`;
// The launch line (PROTOCOL.md), whatever the level. Drivers find it with
log.always(`keepsake relay listening on ${url}`);

let closing = false;
const shutdown = async () => {
  if (closing) return;
  closing = true;
  await relay.close();
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", shutdown);
Deno.addSignalListener("SIGINT", shutdown);

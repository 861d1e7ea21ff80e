// node:http + Socket.IO (WebSocket only) + the REST router + the examples and SDK bundles as static files.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { Server } from "socket.io";
import { LIMITS } from "../sdk/src/protocol.ts";
import type { Extractor } from "./extract/extractor.ts";
import { errorBody, ProtocolError } from "./errors.ts";
import type { Tokens } from "./auth.ts";
import { ExtractionQueue } from "./jobs.ts";
import { log } from "./log.ts";
import { DEFAULT_SESSION_MEMORY_TTL_MS, MemoryService, type MemoryOptions } from "./memories.ts";
import { Metrics } from "./metrics.ts";
import { parseDuration } from "./privacy.ts";
import { restHandler, sendJson } from "./rest.ts";
import { type KeepsakeServer, Sessions } from "./sessions.ts";
import type { Store } from "./store/store.ts";

export interface RelayOptions extends MemoryOptions {
  store: Store;
  /** a session with no client and no delivery for this long is ended by the relay */
  sessionIdleMs: number;
  /** the first delay before a failed extraction is tried again (it doubles) */
  jobRetryMs: number;
  /** sessions extracted at once (never two of the same player or store); default 1 */
  extractConcurrency?: number;
  /** transcripts of sessions processed (or failed) longer ago than this are purged; undefined: kept */
  transcriptRetentionMs?: number;
  /** events a second per connection; see LIMITS.eventsPerSecond */
  eventsPerSecond: number;
  /** REST requests a second per IP address; see LIMITS.restRequestsPerSecond */
  restPerSecond?: number;
  extractor: Extractor;
  version: string;
  adminKey?: string;
  /** token mode: end-user tokens are checked on every handshake and end-user REST call */
  tokens?: Tokens;
  /** browser origins allowed to connect and to call REST; requests without an Origin header are not browsers */
  allowedOrigins: (origin: string) => boolean;
  /** folders served as static files: url prefix → directory */
  staticDirs: Record<string, string>;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8", ".json": "application/json", ".map": "application/json", ".svg": "image/svg+xml",
  ".png": "image/png", ".wasm": "application/wasm", ".ts": "text/plain; charset=utf-8",
  // the Unity bridge's sources, shown rather than downloaded
  ".jslib": "text/plain; charset=utf-8", ".cs": "text/plain; charset=utf-8", ".md": "text/plain; charset=utf-8",
};

/**
 * Static files every relay serves besides its staticDirs: the memory inspector (its REST calls need
 * the admin key), and three.js's module build for examples/webgl-character.
 */
const BUILTIN_DIRS: Record<string, string> = {
  "/inspector/": path.resolve(import.meta.dirname!, "inspector"),
  "/vendor/three/": path.resolve(import.meta.dirname!, "../node_modules/three/build"),
};

function serveStatic(dirs: Record<string, string>, pathname: string, res: http.ServerResponse): boolean {
  for (const [prefix, dir] of Object.entries(dirs)) {
    if (!pathname.startsWith(prefix)) continue;
    let file = path.join(dir, decodeURIComponent(pathname.slice(prefix.length)));
    if (file !== dir && !file.startsWith(dir + path.sep)) return false;
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) {
      // a folder without its slash would resolve the page's relative links against the parent
      if (!pathname.endsWith("/")) { res.writeHead(301, { location: `${pathname}/` }).end(); return true; }
      file = path.join(file, "index.html");
    }
    if (!fs.existsSync(file)) return false;
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream", "cache-control": "no-cache" });
    fs.createReadStream(file).pipe(res);
    return true;
  }
  return false;
}

export function createRelay(opts: RelayOptions) {
  const memories = new MemoryService(opts.store, opts);
  const server = http.createServer();
  const io: KeepsakeServer = new Server(server, {
    path: "/socket.io",
    transports: ["websocket"],
    serveClient: false,
    maxHttpBufferSize: LIMITS.payloadBytes,
    allowRequest: (req, callback) => {
      const origin = req.headers.origin;
      callback(origin && !opts.allowedOrigins(origin) ? "origin not allowed" : null, !origin || opts.allowedOrigins(origin));
    },
  });
  const metrics = new Metrics({ store: opts.store, connections: () => io.of("/").sockets.size });
  let sessions: Sessions;
  const queue = new ExtractionQueue(opts.store, memories, opts.extractor, (s, r) => sessions.processed(s, r), {
    maxAttempts: 3, retryMs: opts.jobRetryMs, concurrency: opts.extractConcurrency, metrics,
  });
  sessions = new Sessions(io, { store: opts.store, memories, queue, eventsPerSecond: opts.eventsPerSecond, tokens: opts.tokens, metrics });
  const rest = restHandler({
    store: opts.store, memories, sessions, version: opts.version, adminKey: opts.adminKey, tokens: opts.tokens, restPerSecond: opts.restPerSecond,
    metrics,
  });

  /** GET /metrics: Prometheus's text format, for the admin key (as an admin REST route is) */
  const scrape = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    try {
      if (req.method !== "GET") throw new ProtocolError("E_BAD_REQUEST", `${req.method} is not allowed on /metrics`);
      await rest.admitAdmin(req, res);
      const text = await metrics.text();
      res.writeHead(200, { "content-type": metrics.contentType, "cache-control": "no-store" }).end(text);
    } catch (e) {
      sendJson(req, res, e instanceof ProtocolError ? e.status : 500, errorBody(e));
    }
  };

  const staticDirs = { ...opts.staticDirs, ...BUILTIN_DIRS };
  server.on("request", (req, res) => {
    if (req.url?.startsWith("/socket.io")) return; // Socket.IO answers these
    const url = new URL(req.url ?? "/", "http://relay");
    const origin = req.headers.origin;
    const allowed = !!origin && opts.allowedOrigins(origin);
    if (allowed) {
      res.setHeader("access-control-allow-origin", origin);
      res.setHeader("vary", "origin");
      res.setHeader("access-control-allow-headers", "authorization, content-type");
      res.setHeader("access-control-allow-methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
    }
    if (req.method === "OPTIONS") {
      if (allowed) res.writeHead(204).end();
      else sendJson(req, res, 403, { code: "E_FORBIDDEN", message: `origin ${origin ?? "(none)"} is not allowed` });
      return;
    }
    const api = url.pathname.startsWith("/v1/");
    if (api || url.pathname === "/metrics") {
      // a browser page of a foreign origin is refused outright, not only left without CORS headers:
      // a "simple" request (the page-hide POST) would otherwise still run
      if (origin && !allowed) return sendJson(req, res, 403, { code: "E_FORBIDDEN", message: `origin ${origin} is not allowed (KEEPSAKE_ALLOWED_ORIGINS)` });
      void (api ? rest(req, res) : scrape(req, res));
      return;
    }
    if (url.pathname === "/") { res.writeHead(302, { location: "/examples/" }).end(); return; }
    if (req.method === "GET" && serveStatic(staticDirs, url.pathname, res)) return;
    sendJson(req, res, 404, { code: "E_NOT_FOUND", message: `nothing at ${url.pathname}` });
  });

  // the sweep: idle sessions are ended, transcripts past their retention purged and expired session
  // memory deleted (a batch a sweep), often enough for each (a quarter of the shortest, at most every
  // 30 s; at least a second apart for retention and expiry)
  // (a character's own transcriptRetention setting is swept as often: within 30 s of its time)
  const retention = opts.transcriptRetentionMs;
  const purge = async () => {
    const now = Date.now();
    const cutoff = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(now - ms).toISOString());
    const characters = (await opts.store.characterRetentions())
      .map(({ characterId, transcriptRetention }) => ({ characterId, before: cutoff(parseDuration(transcriptRetention)) }));
    const purged = await opts.store.purgeTranscripts({ before: cutoff(retention), characters }, 500);
    if (purged) log.info(`keepsake: purged the transcripts of ${purged} processed session(s) (KEEPSAKE_TRANSCRIPT_RETENTION, or the character's transcriptRetention)`, { purged });
  };
  // session memory past its expiry (it is read by nobody from then) is deleted, and its readers told
  const ttl = opts.sessionMemoryTtlMs ?? DEFAULT_SESSION_MEMORY_TTL_MS;
  const expire = async () => {
    const scopes = await opts.store.purgeExpired(new Date().toISOString(), 500);
    if (scopes.length) await sessions.changed(scopes);
  };
  const period = Math.max(50, Math.min(opts.sessionIdleMs / 4, 30_000, Math.max(1000, ttl / 4),
    retention === undefined ? Infinity : Math.max(1000, retention / 4)));
  let sweeping = false;
  const sweep = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    sessions.finalizeIdle(opts.sessionIdleMs).catch(errorBody)
      .then(purge).catch(errorBody)
      .then(expire).catch(errorBody)
      .finally(() => (sweeping = false));
  }, period);

  return {
    server,
    /** Resumes jobs left by an earlier run, then listens. */
    listen(port: number, host: string): Promise<{ host: string; port: number }> {
      queue.kick();
      return new Promise((resolve) => server.listen(port, host, () => {
        const a = server.address() as { address: string; port: number };
        resolve({ host: a.address, port: a.port });
      }));
    },
    async close(): Promise<void> {
      clearInterval(sweep);
      io.close();
      await queue.stop();
      opts.extractor.close?.();
      await opts.store.close();
    },
  };
}

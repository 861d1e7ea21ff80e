// memory:search latency for a player with 2,000 memories, against a real relay, as a client sees it
// (a Socket.IO round trip): lexical, and hybrid with an OpenAI-compatible embeddings server in this
// process (1,536 dimensions, like text-embedding-3-small; it answers at once, so what is measured is
// the relay's own work). Four other players hold 2,000 memories each, so the full-text index is not
// the searched player's alone. Beside it, for the same player: a session's end → processed once they
// hold 1,000 memories, and connect → their injected memories.
//
//   npm run bench            (or: node bench/search.mjs)
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { io } from "socket.io-client";

const root = path.resolve(import.meta.dirname, "..");
const PER_PLAYER = 2000, OTHERS = 4, QUERIES = 400, WARMUP = 50, DIMENSIONS = 1536, CONNECTS = 200, CONNECTS_WARMUP = 20;

// deterministic text: a small seeded PRNG over word lists
let seed = 42;
const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const NOUNS = ("lantern sword map dog horse garden bakery boat violin castle river forest bridge tavern shield bow kite book " +
  "letter ring cloak boots apple bread cheese wine ale hammer anvil forge mill farm orchard meadow mountain cave tower " +
  "market ship compass telescope painting song poem dragon wolf falcon owl cat goat sheep chicken festival contest " +
  "tournament race duel quest journey lesson recipe potion herb mushroom crystal lute drum flute candle quilt").split(" ");
const VERBS = ("keeps found lost bought sold carved painted fixed built visited climbed crossed won entered studied " +
  "cooked baked grew planted hunted tamed trained read wrote sang played repaired polished mapped explored").split(" ");
const ADJS = ("old red small silver golden broken heavy ancient wooden blue green tiny enormous quiet rusty bright " +
  "strange lucky cursed famous").split(" ");
const PLACES = ("Eastwatch Millbrook Stonehaven Riverbend Ashford Greywater Oakridge Saltmere Highgarden Duskfall").split(" ");
const date = () => `20${20 + Math.floor(rand() * 6)}-${String(1 + Math.floor(rand() * 12)).padStart(2, "0")}-${String(1 + Math.floor(rand() * 28)).padStart(2, "0")}`;
const memory = () => {
  switch (Math.floor(rand() * 4)) {
    case 0: return `The user ${pick(VERBS)} a ${pick(ADJS)} ${pick(NOUNS)} near ${pick(PLACES)} on ${date()}.`;
    case 1: return `The user loves the ${pick(ADJS)} ${pick(NOUNS)} of ${pick(PLACES)}.`;
    case 2: return `The user ${pick(VERBS)} the ${pick(NOUNS)} and the ${pick(NOUNS)} with their ${pick(ADJS)} ${pick(NOUNS)}.`;
    default: return `The user's ${pick(NOUNS)} is ${pick(ADJS)}, and they want a ${pick(NOUNS)} from ${pick(PLACES)}.`;
  }
};
const query = () => {
  switch (Math.floor(rand() * 4)) {
    case 0: return `What did the player do with the ${pick(NOUNS)}?`;
    case 1: return `When did Jordan visit ${pick(PLACES)} and see the ${pick(ADJS)} ${pick(NOUNS)}?`;
    case 2: return `Does the user have a ${pick(NOUNS)}?`;
    default: return `${pick(NOUNS)} ${pick(NOUNS)}`;
  }
};

/** An embeddings server answering at once: each word sets 8 hashed dimensions. */
function startEmbeddings() {
  let embedded = 0;
  const server = http.createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const { input } = JSON.parse(body);
    embedded += input.length;
    const data = input.map((text, index) => {
      const v = new Array(DIMENSIONS).fill(0);
      for (const w of text.toLowerCase().match(/[a-z]+/g) ?? []) {
        let h = 2166136261;
        for (const c of w) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
        for (let k = 0; k < 8; k++) { h = Math.imul(h ^ k, 16777619); v[(h >>> 0) % DIMENSIONS] += h & 1 ? 1 : -1; }
      }
      return { object: "embedding", index, embedding: v };
    });
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data, model: "bench" }));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({
    url: `http://127.0.0.1:${server.address().port}`, embedded: () => embedded, close: () => server.close(),
  })));
}

function startRelay(dataDir, env = {}) {
  const child = spawn(path.join(root, "node_modules/.bin/deno"), ["run", "--allow-all", "relay/main.ts"], {
    cwd: root, stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, KEEPSAKE_HOST: "127.0.0.1", KEEPSAKE_PORT: "0", KEEPSAKE_DATA_DIR: dataDir, KEEPSAKE_AUTH: "open", NO_COLOR: "1",
      // (searches one after another, faster than a player's rate limit allows: what is measured is search)
      KEEPSAKE_EVENTS_PER_SECOND: "100000", ...env },
  });
  let log = "";
  const exited = new Promise((r) => child.on("exit", r));
  return new Promise((resolve, reject) => {
    const onData = (d) => {
      log += d;
      const m = /keepsake relay listening on (http:\/\/\S+)/.exec(log);
      if (m) resolve({ url: m[1], stop: () => { child.kill("SIGTERM"); return exited; } });
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => reject(new Error(`relay exited with ${code}:\n${log}`)));
  });
}

/** What the player says that makes a memory: "I found a red lantern near Eastwatch on 2021-03-04." */
const said = () => memory().replace(/^The user's /, "My ").replace(/^The user (keeps|loves)\b/, (_, v) => `I ${v.slice(0, -1)}`)
  .replace(/^The user /, "I ").replace(/\btheir\b/g, "my").replace(/\bthey want\b/, "I want");

/**
 * The player's memories through conversations of 20 turns, as a game makes them (each memory has its
 * session and turn, which search reads for what was said around a match), until they hold PER_PLAYER;
 * then PER_PLAYER facts through REST for each other player.
 */
const endToProcessed = [];
async function load(url) {
  seed = 42;
  let stored = 0, player = 0;
  const memoriesPath = (endUserId) => `${url}/v1/users/${endUserId}/characters/bench-npc/memories`;
  for (let session = 0; player < PER_PLAYER; session++) {
    const sessionId = `bench-s${session}`;
    const sock = io(url, { transports: ["websocket"], auth: { v: 1, endUserId: "bench-player", characterId: "bench-npc", sessionId } });
    await new Promise((r) => sock.once("memories", r));
    const processed = new Promise((r) => sock.on("session:processed", (p) => p.sessionId === sessionId && r()));
    const at = Date.now();
    const turns = Array.from({ length: 20 }, (_, seq) => ({ seq, role: "user", text: said(), at: new Date(at + seq * 1000).toISOString() }));
    await sock.timeout(30_000).emitWithAck("transcript", { sessionId, turns });
    const ended = performance.now();
    const ack = await sock.timeout(30_000).emitWithAck("session:end", { sessionId, turnCount: turns.length });
    if (!ack.ok) throw new Error(JSON.stringify(ack));
    if (ack.status !== "processed") await processed;
    // (end → processed once the player holds a thousand memories: merge reads against all of them)
    if (player >= 1000) endToProcessed.push(performance.now() - ended);
    sock.close();
    player = (await (await fetch(`${memoriesPath("bench-player")}?pageSize=1`)).json()).total;
  }
  stored += player;
  for (let p = 1; p <= OTHERS; p++) {
    for (let sent = 0; sent < PER_PLAYER; sent += 100) {
      const r = await fetch(memoriesPath(`bench-other-${p}`), {
        method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ memories: Array.from({ length: 100 }, memory) }),
      });
      if (!r.ok) throw new Error(`POST answered ${r.status}: ${await r.text()}`);
      stored += (await r.json()).results.filter((x) => x.event === "add").length;
    }
  }
  return { stored, player };
}

/** p50, p95, p99 and max of `times` (ms), as text */
function quantiles(times) {
  const sorted = [...times].sort((a, b) => a - b);
  const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(1);
  return { p50: q(0.5), p95: q(0.95), p99: q(0.99), max: sorted.at(-1).toFixed(1) };
}

/** Connect → `memories` (the player's injection: the first 50 of their memories, ranked, and the context text), as a client sees it. */
async function connects(url) {
  const times = [];
  for (let i = 0; i < CONNECTS_WARMUP + CONNECTS; i++) {
    const t = performance.now();
    const sock = io(url, { transports: ["websocket"], auth: { v: 1, endUserId: "bench-player", characterId: "bench-npc", sessionId: `bench-connect-${Date.now()}-${i}` } });
    const injected = await new Promise((r) => sock.once("memories", r));
    if (i >= CONNECTS_WARMUP) times.push(performance.now() - t);
    if (!injected.memories.length) throw new Error("nothing injected");
    sock.close();
  }
  return quantiles(times);
}

async function measure(url) {
  seed = 7;
  const sock = io(url, { transports: ["websocket"], auth: { v: 1, endUserId: "bench-player", characterId: "bench-npc", sessionId: `bench-${Date.now()}` } });
  await new Promise((r) => sock.once("memories", r));
  const times = [];
  let empty = 0;
  for (let i = 0; i < WARMUP + QUERIES; i++) {
    const t = performance.now();
    const ack = await sock.timeout(30_000).emitWithAck("memory:search", { query: query(), limit: 10 });
    if (!ack.ok) throw new Error(JSON.stringify(ack));
    if (i >= WARMUP) { times.push(performance.now() - t); if (!ack.memories.length) empty++; }
  }
  sock.close();
  return { ...quantiles(times), empty };
}

const rows = [];
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "keepsake-bench-search-"));
const lexical = await startRelay(dataDir);
let stored, player, connect;
try {
  const t = performance.now();
  ({ stored, player } = await load(lexical.url));
  console.log(`${stored} memories stored (the player's through conversations, the others' through REST) in ${((performance.now() - t) / 1000).toFixed(1)} s (the rest merged as repeats)`);
  rows.push({ mode: "lexical", ...(await measure(lexical.url)) });
  connect = await connects(lexical.url);
} finally { await lexical.stop(); }

// the same store with embeddings: the searched player's memories get their vectors at its first search
const fake = await startEmbeddings();
const hybrid = await startRelay(dataDir, { KEEPSAKE_EMBEDDINGS_URL: fake.url, KEEPSAKE_EMBEDDINGS_MODEL: "bench" });
try {
  const t = performance.now();
  const sock = io(hybrid.url, { transports: ["websocket"], auth: { v: 1, endUserId: "bench-player", characterId: "bench-npc", sessionId: "bench-index" } });
  await new Promise((r) => sock.once("memories", r));
  await sock.emitWithAck("memory:search", { query: "lantern" });
  sock.close();
  const until = Date.now() + 120_000;
  while (fake.embedded() < player && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 500));
  console.log(`the player's memories embedded in ${((performance.now() - t) / 1000).toFixed(1)} s (${fake.embedded()} texts)`);
  rows.push({ mode: `hybrid (${DIMENSIONS} dims)`, ...(await measure(hybrid.url)) });
} finally { await hybrid.stop(); fake.close(); fs.rmSync(dataDir, { recursive: true, force: true }); }

console.log(`\nmemory:search, limit 10, one player with ${player} memories (${stored} in the store), ${QUERIES} queries after ${WARMUP} warm-up, round trip in ms`);
console.log(["mode".padEnd(20), "p50", "p95", "p99", "max", "no result"].join("  "));
for (const r of rows) console.log([r.mode.padEnd(20), r.p50, r.p95, r.p99, r.max, String(r.empty)].join("  "));
const ends = quantiles(endToProcessed);
console.log(`\nsession:end → processed, 20-turn sessions of the player once they hold 1,000 to ${player} memories (${endToProcessed.length} sessions), in ms`);
console.log(["p50", "p95", "max"].join("  "));
console.log([ends.p50, ends.p95, ends.max].join("  "));
console.log(`\nconnect → memories (50 of the player's ${player} injected, with the context text), ${CONNECTS} connects after ${CONNECTS_WARMUP} warm-up, in ms`);
console.log(["p50", "p95", "p99", "max"].join("  "));
console.log([connect.p50, connect.p95, connect.p99, connect.max].join("  "));
process.exit(0);

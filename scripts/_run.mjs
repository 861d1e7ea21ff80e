#!/usr/bin/env node
// Drives a Keepsake relay through the wire protocol alone (socket.io-client + REST), the way any
// client would, and scores what it remembers. Run it from the project's root:
//
//   node ../shared/eval/run.mjs --data ../shared/data/locomo-dev.json --start
//   node ../shared/eval/run.mjs --data ../shared/data/spc-valid.csv --limit 200 --url http://127.0.0.1:8787
//
// --start runs `npm start` with a fresh data folder on a free port and stops it afterwards.
// Prints a summary; --json FILE writes every figure. The last line is the headline.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { load } from "../../shared/eval/datasets.mjs";
import { scoreExtraction, scoreSearch, bm25Baseline } from "../../shared/eval/score.mjs";

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith("--")) acc.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith("--") ? all[i + 1] : true]);
  return acc;
}, []));
const K = Number(args.k ?? 10);
const WAIT_MS = Number(args["wait-ms"] ?? 60000);
const adminKey = args["admin-key"] ?? process.env.KEEPSAKE_ADMIN_KEY;
const require = createRequire(path.join(process.cwd(), "package.json"));
let io;
try { ({ io } = require("socket.io-client")); } catch { console.log("socket.io-client is not installed in this project (run npm install in its root)"); process.exit(1); }

const convs = load(args.data, { limit: Number(args.limit ?? Infinity) });
let relay = null, url = args.url ?? "http://127.0.0.1:8787";
if (args.start) ({ relay, url } = await startRelay());
const headers = { "content-type": "application/json", ...(adminKey ? { authorization: `Bearer ${adminKey}` } : {}) };
const run = crypto.randomBytes(3).toString("hex");

try {
  const report = { data: path.basename(args.data), url, conversations: [], timings: [] };
  const parallel = Number(args.parallel ?? 4);
  const queue = [...convs];
  await Promise.all(Array.from({ length: parallel }, async () => {
    for (let conv; (conv = queue.shift());) report.conversations.push(await evaluate(conv, report.timings));
  }));
  summarize(report); { const a = globalThis.TT.sort((x,y)=>x-y); console.log('transcript ack p50', a[a.length>>1].toFixed(1), 'p95', a[Math.floor(a.length*0.95)].toFixed(1)); }
  if (args.json) fs.writeFileSync(args.json, JSON.stringify(report, null, 2));
} finally {
  if (relay) try { process.kill(-relay.pid, "SIGTERM"); } catch {}
}
process.exit(0);

async function evaluate(conv, timings) {
  const endUserId = `eval-${run}-${conv.id}`, characterId = "eval-character";
  const sessionIds = conv.sessions.map((_, i) => `${endUserId}-s${i}`);
  for (const [i, s] of conv.sessions.entries()) {
    const sessionId = sessionIds[i];
    const sock = await connect({ endUserId, characterId, sessionId });
    const t0 = Date.parse(s.date);
    const turns = s.turns.map((t, seq) => ({ seq, role: t.role, text: t.text.slice(0, 4000), at: new Date(t0 + seq * 30000).toISOString() }));
    const processed = new Promise((res) => sock.on("session:processed", (p) => p?.sessionId === sessionId && res(p)));
    const tt = performance.now();
    for (let at = 0; at < turns.length; at += 100) {
      const ack = await emit(sock, "transcript", { sessionId, turns: turns.slice(at, at + 100) });
      if (!ack?.ok) throw new Error(`transcript refused: ${JSON.stringify(ack)}`);
    }
    const started = performance.now(); (globalThis.TT ??= []).push(started - tt);
    const ack = await emit(sock, "session:end", { sessionId, turnCount: turns.length, endedAt: new Date(t0 + turns.length * 30000).toISOString() });
    if (!ack?.ok || !["queued", "processed"].includes(ack.status)) throw new Error(`session:end refused: ${JSON.stringify(ack)}`);
    if (ack.status !== "processed") await Promise.race([processed, pollProcessed(sessionId)]);
    timings.push(performance.now() - started);
    sock.disconnect();
  }
  const memories = (await listMemories(endUserId, characterId)).map((m) => withIndexes(m, sessionIds));
  const extraction = scoreExtraction(conv, memories);
  let search = null, baseline = null;
  if (conv.qa.length) {
    const sock = await connect({ endUserId, characterId, sessionId: `${endUserId}-qa` });
    const results = [];
    for (const q of conv.qa) {
      const ack = await emit(sock, "memory:search", { query: q.question.slice(0, 500), limit: K });
      results.push((ack?.ok ? ack.memories : []).map((m) => withIndexes(m, sessionIds)));
    }
    sock.disconnect();
    search = scoreSearch(conv.qa, results, K);
    baseline = bm25Baseline(conv, K);
  }
  const userWords = conv.sessions.flatMap((s) => s.turns).filter((t) => t.role === "user").reduce((n, t) => n + t.text.split(/\s+/).length, 0);
  return { id: conv.id, sessions: conv.sessions.length, userWords, extraction, search, baseline };
}

function withIndexes(m, sessionIds) {
  return { ...m, sources: (m.sources ?? []).map((s) => ({ ...s, sessionIndex: sessionIds.indexOf(s.sessionId) })) };
}

function connect(auth) {
  return new Promise((resolve, reject) => {
    const sock = io(url, { transports: ["websocket"], auth: { v: 1, ...auth }, reconnection: false, timeout: 20000 });
    const timer = setTimeout(() => reject(new Error("no memories event within 20 s")), 20000);
    sock.once("memories", () => { clearTimeout(timer); resolve(sock); });
    sock.once("connect_error", (e) => { clearTimeout(timer); reject(new Error(`connect_error: ${e.message} ${JSON.stringify(e.data ?? {})}`)); });
  });
}

function emit(sock, event, payload) {
  return sock.timeout(WAIT_MS).emitWithAck(event, payload);
}

async function pollProcessed(sessionId) {
  const until = Date.now() + WAIT_MS;
  while (Date.now() < until) {
    const r = await fetch(`${url}/v1/sessions/${encodeURIComponent(sessionId)}`, { headers });
    if (r.ok && (await r.json()).status === "processed") return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`session ${sessionId} not processed within ${WAIT_MS} ms`);
}

async function listMemories(endUserId, characterId) {
  const out = [];
  for (let page = 1; ; page++) {
    const r = await fetch(`${url}/v1/users/${encodeURIComponent(endUserId)}/characters/${encodeURIComponent(characterId)}/memories?page=${page}&pageSize=100`, { headers });
    if (!r.ok) throw new Error(`list memories: HTTP ${r.status} ${await r.text()}`);
    const body = await r.json();
    out.push(...body.memories);
    if (!body.hasMore) return out;
  }
}

function summarize(report) {
  const sum = (f) => report.conversations.reduce((n, c) => n + (f(c) ?? 0), 0);
  const e = (k) => sum((c) => c.extraction[k]);
  const r = (a, b) => (b ? (a / b).toFixed(3) : "n/a");
  const t = [...report.timings].sort((a, b) => a - b);
  const q = (p) => (t.length ? t[Math.min(t.length - 1, Math.floor(p * t.length))].toFixed(1) : "n/a");
  const fig = {
    recall: r(e("recalled"), e("gold")), recallWithSource: r(e("recalledWithSource"), e("withRefs")),
    precision: r(e("precise"), e("memories")), firstPerson: r(e("firstPerson"), e("memories")),
    wordsPerMemory: r(e("words"), e("memories")), memoriesPerSession: r(e("memories"), sum((c) => c.sessions)),
    keptWordsShare: r(e("words"), sum((c) => c.userWords)),
    searchEvidence: r(sum((c) => c.search?.found), sum((c) => c.search?.questions)),
    searchAnswer: r(sum((c) => c.search?.answerFound), sum((c) => c.search?.questions)),
    bm25Evidence: r(sum((c) => c.baseline?.found), sum((c) => c.baseline?.questions)),
    bm25Answer: r(sum((c) => c.baseline?.answerFound), sum((c) => c.baseline?.questions)),
    endToProcessedMsP50: q(0.5), endToProcessedMsP95: q(0.95),
  };
  report.figures = fig;
  console.log(`data ${report.data}: ${report.conversations.length} conversations, ${sum((c) => c.sessions)} sessions, ${e("gold")} gold facts, ${sum((c) => c.search?.questions)} questions`);
  console.log(`extraction: recall ${fig.recall} (from the right turn ${fig.recallWithSource}), precision ${fig.precision}, first-person ${fig.firstPerson}, ${e("memories")} memories, ${fig.wordsPerMemory} words each, ${fig.memoriesPerSession} per session, ${fig.keptWordsShare} of the user's words kept`);
  console.log(`search@${K}: evidence ${fig.searchEvidence}, answer ${fig.searchAnswer}; raw-turn BM25 baseline: evidence ${fig.bm25Evidence}, answer ${fig.bm25Answer}`);
  console.log(`session end to processed: p50 ${fig.endToProcessedMsP50} ms, p95 ${fig.endToProcessedMsP95} ms`);
  console.log(`recall=${fig.recall} precision=${fig.precision} firstPerson=${fig.firstPerson} search=${fig.searchEvidence} bm25=${fig.bm25Evidence}`);
}

async function startRelay() {
  const port = await new Promise((res) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => res(p)); }); });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "keepsake-eval-"));
  const child = spawn("npm", ["start"], {
    detached: true, stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, KEEPSAKE_PORT: String(port), KEEPSAKE_HOST: "127.0.0.1", KEEPSAKE_DATA_DIR: dataDir, KEEPSAKE_AUTH: "open" },
  });
  let log = "";
  const found = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), Number(args["start-timeout"] ?? 180) * 1000);
    const onData = (d) => {
      log += d;
      const m = /keepsake relay listening on (http:\/\/\S+)/.exec(log);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    child.stdout.on("data", onData); child.stderr.on("data", onData);
    child.on("exit", () => { clearTimeout(timer); resolve(null); });
  });
  if (!found) { try { process.kill(-child.pid, "SIGTERM"); } catch {} throw new Error(`relay did not start:\n${log.slice(-2000)}`); }
  return { relay: child, url: found };
}

// Shipping a large session against a real relay: time and client memory for 1,000 and 5,000 turns
// of ~400 characters, to show both grow in proportion to the session, not faster.
//
//   npm run bench            (builds nothing: run `npm run build` first if sdk/src changed)
//
// Node: the shipped ESM bundle (dist/keepsake.mjs) with fake-indexeddb and the `ws` WebSocket.
// "heap held" is the JS heap the client holds with the session recorded (after GC, over the heap
// before it connected); in Node it includes fake-indexeddb's copy of the turns, which a browser
// keeps outside the JS heap. "peak in end()" is the most the heap grew while end() shipped; "heap
// after close" what is left a second after client.close().
// Chromium (when /usr/bin/chromium exists): the IIFE bundle in a page, the browser's own IndexedDB,
// heap measured through the DevTools protocol after its GC.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import "fake-indexeddb/auto";
import { WebSocket } from "ws";

const root = path.resolve(import.meta.dirname, "..");
const SIZES = [1000, 5000];
const CHROMIUM = "/usr/bin/chromium";
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc");

if (!fs.existsSync(path.join(root, "dist/keepsake.mjs"))) {
  console.error("bench: dist/keepsake.mjs is missing; run `npm run build` first");
  process.exit(1);
}
globalThis.WebSocket ??= WebSocket;
let frames = { messages: 0, bytes: 0 };
const send = WebSocket.prototype.send;
WebSocket.prototype.send = function (data, ...rest) {
  if (typeof data === "string" && data.startsWith("42") && data.includes('"transcript"')) {
    frames.messages++;
    frames.bytes = Math.max(frames.bytes, Buffer.byteLength(data));
  }
  return send.call(this, data, ...rest);
};
const { KeepsakeClient, StaticEndUserIdProvider } = await import("../dist/keepsake.mjs");

const line = (i) => `${i}: ${"The caravan rolled past the salt flats while the guide named every dune. ".repeat(6)}`.slice(0, 400);
const heap = () => { gc(); gc(); return process.memoryUsage().heapUsed; };
const mb = (n) => `${(n / 2 ** 20).toFixed(1)} MB`;
const ms = (n) => `${Math.round(n)} ms`;

const relay = await startRelay();
try {
  const rows = [];
  await node(200); // warm-up: JIT and the relay's first session
  for (const n of SIZES) rows.push({ where: "node", ...(await node(n)) });
  if (fs.existsSync(CHROMIUM)) {
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
    try {
      await inChromium(browser, 200);
      for (const n of SIZES) rows.push({ where: "chromium", ...(await inChromium(browser, n)) });
    } finally {
      await browser.close();
    }
  } else {
    console.log(`(no Chromium at ${CHROMIUM}: Node only)`);
  }
  print(rows);
} finally {
  relay.kill("SIGKILL");
}

/** One session of `n` turns in Node: record them one by one, then end(). */
async function node(n) {
  const before = heap();
  const client = new KeepsakeClient({ relayUrl: relay.url, characterId: `bench-${n}`, identity: new StaticEndUserIdProvider(`bench-${Date.now()}`) });
  let s = await client.connect();
  let t = performance.now();
  for (let i = 0; i < n; i++) await (i % 2 ? s.recordCharacterTurn(line(i)) : s.recordUserTurn(line(i)));
  const record = performance.now() - t;
  const held = heap() - before;
  frames = { messages: 0, bytes: 0 };
  let peak = 0;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().heapUsed - before); }, 2);
  t = performance.now();
  const { status } = await s.end();
  const ship = performance.now() - t;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().heapUsed - before);
  if (status !== "queued" && status !== "processed") throw new Error(`end() answered ${status}`);
  client.close();
  s = null;
  await new Promise((r) => setTimeout(r, 1000)); // sockets finish closing
  const after = heap() - before;
  return { n, record, ship, messages: frames.messages, largest: frames.bytes, held, peak, after };
}

/** The same in a Chromium page. */
async function inChromium(browser, n) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${relay.url}/v1/health`);
  await page.addScriptTag({ url: `${relay.url}/dist/keepsake.iife.js` });
  const cdp = await context.newCDPSession(page);
  const pageHeap = async () => {
    await cdp.send("HeapProfiler.collectGarbage");
    return (await cdp.send("Runtime.getHeapUsage")).usedSize;
  };
  await page.evaluate(() => {
    const send = WebSocket.prototype.send;
    window.frames_ = { messages: 0, bytes: 0 };
    WebSocket.prototype.send = function (data) {
      if (typeof data === "string" && data.startsWith("42") && data.includes('"transcript"')) {
        window.frames_.messages++;
        window.frames_.bytes = Math.max(window.frames_.bytes, new TextEncoder().encode(data).length);
      }
      return send.call(this, data);
    };
  });
  const before = await pageHeap();
  const record = await page.evaluate(async (n) => {
    const line = (i) => `${i}: ${"The caravan rolled past the salt flats while the guide named every dune. ".repeat(6)}`.slice(0, 400);
    const client = new Keepsake.KeepsakeClient({ relayUrl: location.origin, characterId: `bench-${n}` });
    const s = (window.session = await client.connect());
    window.client = client;
    const t = performance.now();
    for (let i = 0; i < n; i++) await (i % 2 ? s.recordCharacterTurn(line(i)) : s.recordUserTurn(line(i)));
    return performance.now() - t;
  }, n);
  const held = (await pageHeap()) - before;
  const { ship, status, messages, largest } = await page.evaluate(async () => {
    const t = performance.now();
    const { status } = await window.session.end();
    return { ship: performance.now() - t, status, messages: window.frames_.messages, largest: window.frames_.bytes };
  });
  if (status !== "queued" && status !== "processed") throw new Error(`end() answered ${status}`);
  await page.evaluate(() => { window.client.close(); window.session = window.client = undefined; });
  const after = (await pageHeap()) - before;
  await context.close();
  return { n, record, ship, messages, largest, held, peak: undefined, after };
}

function print(rows) {
  const table = [["where", "turns", "transcript", "record (one by one)", "end() ships", "per 1k turns", "messages", "largest", "heap held", "per 1k turns", "peak in end()", "heap after close"]];
  for (const r of rows) {
    const bytes = r.n * Buffer.byteLength(JSON.stringify({ seq: r.n, role: "character", text: line(r.n), at: new Date().toISOString() }));
    table.push([
      r.where, String(r.n), mb(bytes), ms(r.record), ms(r.ship), ms((r.ship / r.n) * 1000), String(r.messages), `${Math.round(r.largest / 1024)} KB`,
      mb(r.held), mb((r.held / r.n) * 1000), r.peak === undefined ? "-" : mb(r.peak), mb(Math.max(0, r.after)),
    ]);
  }
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  for (const [i, row] of table.entries()) {
    console.log(row.map((c, j) => (j < 2 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join("  "));
    if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
  }
}

/** The relay process (Deno) on a free port with a temporary data folder. */
async function startRelay() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "keepsake-bench-"));
  const child = spawn(path.join(root, "node_modules/.bin/deno"), ["run", "--allow-all", "relay/main.ts"], {
    cwd: root, stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, KEEPSAKE_HOST: "127.0.0.1", KEEPSAKE_PORT: "0", KEEPSAKE_DATA_DIR: dataDir, KEEPSAKE_AUTH: "open", NO_COLOR: "1" },
  });
  let log = "";
  child.url = await new Promise((resolve, reject) => {
    const onData = (d) => {
      log += d;
      const m = /keepsake relay listening on (http:\/\/\S+)/.exec(log);
      if (m) resolve(m[1]);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => reject(new Error(`relay exited with ${code}:\n${log}`)));
  });
  child.removeAllListeners("exit");
  return child;
}

// The IIFE bundle in Chromium against the real relay: the global `Keepsake`, the browser's own
// IndexedDB and localStorage, a reload without end(), and two tabs (Web Locks keep a live session
// of one tab out of the other's outbox). Needs Debian's Chromium at /usr/bin/chromium: without it
// the suite skips, unless KEEPSAKE_REQUIRE_BROWSER=1 (as in CI) makes that a failure.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Relay, startRelay } from "../helpers/relay.ts";

declare const Keepsake: typeof import("../../sdk/src/index.ts");
declare global { interface Window { session?: import("../../sdk/src/index.ts").MemorySession } }

const root = path.resolve(import.meta.dirname, "../..");
const CHROMIUM = "/usr/bin/chromium";
const skip = !fs.existsSync(CHROMIUM) && !process.env.KEEPSAKE_REQUIRE_BROWSER;
if (skip) console.warn(`browser suite skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium; CI sets KEEPSAKE_REQUIRE_BROWSER=1)`);
/** Flags for Chromium on a closed network, as root, without a display. */
const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
  "--disable-sync", "--no-first-run",
];
let relay: Relay;
let browser: Browser;

beforeAll(async () => {
  if (skip) return;
  // `npm test` has just built it; a bare `vitest run` builds it when the sources are newer
  const bundle = path.join(root, "dist/keepsake.iife.js");
  const built = fs.existsSync(bundle) ? fs.statSync(bundle).mtimeMs : 0;
  const src = path.join(root, "sdk/src");
  if (fs.readdirSync(src).some((f) => fs.statSync(path.join(src, f)).mtimeMs > built)) {
    execFileSync(process.execPath, [path.join(root, "sdk/build.mjs")], { stdio: "ignore" });
  }
  relay = await startRelay();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
  await relay?.stop();
});

/** A page of the relay's origin (a loopback origin, allowed) with the script-tag bundle loaded. */
async function gamePage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${relay.url}/v1/health`);
  await page.addScriptTag({ url: `${relay.url}/dist/keepsake.iife.js` });
  return page;
}

it.skipIf(skip)("runs from a <script> tag: memories, IndexedDB, a reload without end(), the device id", async () => {
  const context = await browser.newContext();
  const page = await gamePage(context);
  const first = await page.evaluate(async () => {
    const client = new Keepsake.KeepsakeClient({ relayUrl: location.origin, characterId: "smith" });
    const processed = new Promise((r) => client.on("sessionProcessed", r));
    const s = await client.connect();
    await s.recordUserTurn("My name is Jordan. I live in Denver.");
    const db = await new Promise<IDBDatabase>((res, rej) => { const q = indexedDB.open("keepsake"); q.onsuccess = () => res(q.result); q.onerror = rej; });
    const buffered = await new Promise<number>((res) => { const q = db.transaction("turns").objectStore("turns").count(); q.onsuccess = () => res(q.result); });
    db.close();
    const end = await s.end();
    await processed;
    const next = await client.connect();
    return { buffered, end, memories: next.memories.map((m) => m.memory), deviceId: localStorage.getItem("keepsake.endUserId") };
  });
  expect(first.buffered).toBe(1);
  expect(first.end.status).toMatch(/^(queued|processed)$/);
  expect(first.deviceId).toMatch(/^[0-9a-f]{32}$/);
  expect(first.memories.some((m) => /Denver/.test(m))).toBe(true); // EXTRACTION

  // record, then reload the page without end(): the next page's connect() ships it
  const unsent = await page.evaluate(async () => {
    const s = await new Keepsake.KeepsakeClient({ relayUrl: location.origin, characterId: "smith" }).connect();
    await s.recordUserTurn("I work as a welder.");
    return s.id;
  });
  await page.reload();
  await page.addScriptTag({ url: `${relay.url}/dist/keepsake.iife.js` });
  const after = await page.evaluate(async () => {
    const client = new Keepsake.KeepsakeClient({ relayUrl: location.origin, characterId: "smith" });
    const updated = new Promise((r) => client.on("memoriesUpdated", r));
    const s = await client.connect();
    await updated;
    return { memories: s.memories.map((m) => m.memory), deviceId: localStorage.getItem("keepsake.endUserId") };
  });
  expect(after.deviceId).toBe(first.deviceId);
  expect(await (await fetch(`${relay.url}/v1/sessions/${unsent}`)).json()).toMatchObject({ endUserId: first.deviceId, turns: 1 });
  expect(after.memories.some((m) => /welder/.test(m))).toBe(true); // EXTRACTION
  await context.close();
});

it.skipIf(skip)("leaves a session that is live in another tab alone", async () => {
  const context = await browser.newContext();
  const [tabA, tabB] = [await gamePage(context), await gamePage(context)];
  const liveId = await tabA.evaluate(async () => {
    const s = await new Keepsake.KeepsakeClient({ relayUrl: location.origin, characterId: "smith" }).connect();
    await s.recordUserTurn("I have a dog named Rex.");
    window.session = s;
    return s.id;
  });
  await tabB.evaluate(async () => { await new Keepsake.KeepsakeClient({ relayUrl: location.origin, characterId: "smith" }).connect(); });
  expect((await fetch(`${relay.url}/v1/sessions/${liveId}`)).status).toBe(404); // not shipped from tab B
  expect(await tabA.evaluate(async () => (await window.session!.end()).status)).toMatch(/^(queued|processed)$/);
  expect(await (await fetch(`${relay.url}/v1/sessions/${liveId}`)).json()).toMatchObject({ turns: 1 });
  await context.close();
});

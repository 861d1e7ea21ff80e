// The IIFE bundle in Chromium against the real relay: the global `Keepsake`, the browser's own
// IndexedDB and localStorage, a reload without end(), two tabs (Web Locks keep a live session
// of one tab out of the other's outbox), and client.memories and session.prompt() from another
// origin. Needs Debian's Chromium at /usr/bin/chromium: without it the suite skips, unless
// KEEPSAKE_REQUIRE_BROWSER=1 (as in CI) makes that a failure (chromium.ts).
// The faults (closed tabs, a relay down, two tabs, huge sessions, IndexedDB failing) are in
// browser-faults.test.ts.
import { type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Relay, startRelay } from "../helpers/relay.ts";
import { announceSkip, gamePage as pageOf, launch, skip } from "./chromium.ts";

declare const Keepsake: typeof import("../../sdk/src/index.ts");
declare global { interface Window { session?: import("../../sdk/src/index.ts").MemorySession } }

announceSkip("browser suite");
let relay: Relay;
let browser: Browser;

beforeAll(async () => {
  if (skip) return;
  relay = await startRelay();
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await relay?.stop();
});

/** A page of the relay's origin (a loopback origin, allowed) with the script-tag bundle loaded. */
const gamePage = (context: BrowserContext): Promise<Page> => pageOf(context, relay.url);

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

it.skipIf(skip)("from a game's own origin: client.memories adds, lists and deletes; session.prompt() composes context and turns", async () => {
  const context = await browser.newContext();
  // http://localhost:PORT against the relay at http://127.0.0.1:PORT: every request is cross-origin (CORS preflights included)
  const page = await pageOf(context, relay.url.replace("127.0.0.1", "localhost"));
  const got = await page.evaluate(async (relayUrl) => {
    const client = new Keepsake.KeepsakeClient({ relayUrl, characterId: "bard" });
    const [added] = await client.memories.add("Jordan's favourite song is The Wild Rover.");
    const listed = (await client.memories.list()).memories.map((m) => m.memory);
    const s = await client.connect();
    const injected = s.context;
    await s.recordUserTurn("Play me something!");
    await s.recordCharacterTurn("Your favourite, then.");
    const prompt = s.prompt({ recentTurns: 2 });
    const updated = new Promise((r) => client.on("memoriesUpdated", r));
    await client.memories.delete(added!.id);
    await updated;
    const missing = await client.memories.delete(added!.id).catch((e) => ({ name: e.name, code: e.code }));
    return { added, listed, context: injected, prompt, after: s.memories.length, missing, estimate: Keepsake.estimateTokens(prompt.text) };
  }, relay.url);
  expect(got.added).toMatchObject({ event: "add" });
  expect(got.listed).toEqual(["Jordan's favourite song is The Wild Rover."]);
  expect(got.context).toMatch(/The Wild Rover/);
  expect(got.prompt.text).toBe(`${got.context}\n\nPlayer: Play me something!\nCharacter: Your favourite, then.`);
  expect(got.prompt.tokens.total).toBe(Math.ceil(got.prompt.text.length / 4));
  expect(got.estimate).toBe(got.prompt.tokens.total);
  expect(got.after).toBe(0); // the live session heard the delete
  expect(got.missing).toEqual({ name: "KeepsakeError", code: "E_NOT_FOUND" });
  await context.close();
});

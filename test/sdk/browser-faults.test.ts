// Nothing a player says is lost, in Chromium against the real relay process, each fault caused for
// real: a tab closed mid-session (page-hide delivery, then the next connect), a relay down or
// restarting at end() (background retry, the `online` event), two tabs sharing the outbox (Web
// Locks), a 5,000-turn session, and IndexedDB failing (a full quota, private mode, a blocked
// version upgrade). Skips without Chromium like browser.test.ts (chromium.ts).
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Relay, startRelay, waitFor } from "../helpers/relay.ts";
import { listAll, sessionOrNull } from "../helpers/wire.ts";
import { announceSkip, type Frame, gamePage, launch, recordFrames, skip } from "./chromium.ts";

type Sdk = typeof import("../../sdk/src/index.ts");
declare const Keepsake: Sdk;
interface Log {
  shipped: { sessionId: string; status: string }[];
  warnings: string[];
  errors: string[];
  injected: number;
  disconnected: number;
  memories: string[];
}
declare global {
  interface Window {
    client: InstanceType<Sdk["KeepsakeClient"]>;
    live: import("../../sdk/src/index.ts").MemorySession;
    log: Log;
    __frames: Frame[];
    __uncaught: string[];
  }
}

announceSkip("browser fault suite");
let relay: Relay;
let browser: Browser;
let n = 0;

beforeAll(async () => {
  if (skip) return;
  relay = await startRelay();
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await relay?.kill(); // a temporary data folder; no need to wait for extractions in flight
});

/** A fresh browser profile whose pages record the frames they send and anything uncaught. */
async function profile(): Promise<BrowserContext> {
  const context = await browser.newContext();
  await context.addInitScript(recordFrames);
  return context;
}

/** `window.client` for a character of its own, and `window.log` of its events. */
async function newClient(page: Page, opts: { characterId: string; retry?: { baseMs: number; maxMs: number } }) {
  await page.evaluate((o) => {
    const client = new Keepsake.KeepsakeClient({ relayUrl: o.relayUrl, characterId: o.characterId, timeoutMs: 5000, ...(o.retry ? { retry: o.retry } : {}) });
    const log: Log = { shipped: [], warnings: [], errors: [], injected: 0, disconnected: 0, memories: [] };
    client.on("sessionShipped", (p) => log.shipped.push(p));
    client.on("warning", (m) => log.warnings.push(m));
    client.on("error", (e) => log.errors.push(`${e.code}: ${e.message}`));
    client.on("memoriesInjected", (p) => { log.injected++; log.memories = p.memories.map((m) => m.memory); });
    client.on("memoriesUpdated", (p) => { log.memories = p.memories.map((m) => m.memory); });
    client.on("disconnected", () => log.disconnected++);
    Object.assign(window, { client, log });
  }, { relayUrl: relay.url, ...opts });
}

const characterId = () => `npc-${++n}`;

/** A fresh profile's game page (of `origin`, by default the relay's) with `window.client` for a character of its own. */
async function newGame(opts: { origin?: string; retry?: { baseMs: number; maxMs: number } } = {}) {
  const context = await profile();
  const page = await gamePage(context, opts.origin ?? relay.url);
  const chr = characterId();
  await newClient(page, { characterId: chr, retry: opts.retry });
  return { context, page, chr };
}
/** `window.live`: a session connected on `page` in which the player said `text`; returns its id. */
const liveSession = (page: Page, text: string) => page.evaluate(async (t) => {
  window.live = await window.client.connect();
  await window.live.recordUserTurn(t);
  return window.live.id;
}, text);

const restSession = (sessionId: string) => sessionOrNull(relay.url, sessionId);
async function memoriesOf(endUserId: string, characterId: string): Promise<string[]> {
  return (await listAll(relay.url, { endUserId, characterId })).map((m) => m.memory);
}
/** The IndexedDB outbox as the page sees it: sessions and turns per session. */
const outbox = (page: Page) => page.evaluate(async () => {
  if (!(await indexedDB.databases()).some((d) => d.name === "keepsake")) return { sessions: [] as { sessionId: string; turnCount: number; endedAt?: string }[], turns: 0 };
  const db = await new Promise<IDBDatabase>((res, rej) => { const q = indexedDB.open("keepsake"); q.onsuccess = () => res(q.result); q.onerror = () => rej(q.error); });
  const all = <T,>(store: string, op: "getAll" | "count") => new Promise<T>((res) => { const q = db.transaction(store).objectStore(store)[op](); q.onsuccess = () => res(q.result as T); });
  const out = { sessions: await all<{ sessionId: string; turnCount: number; endedAt?: string }[]>("sessions", "getAll"), turns: await all<number>("turns", "count") };
  db.close();
  return out;
});
const uncaught = (page: Page) => page.evaluate(() => window.__uncaught);
const framesOf = (page: Page, event: Frame["event"], sessionId: string) =>
  page.evaluate(([e, id]) => window.__frames.filter((f) => f.event === e && f.sessionId === id), [event, sessionId] as const);
/** ~400 characters of text that differ per turn. */
const line = (i: number) => `${i}: ${"The caravan rolled past the salt flats while the guide named every dune. ".repeat(6)}`.slice(0, 400);

describe.skipIf(skip)("a tab closed mid-session", () => {
  it("page-hide delivers the turns before any new connect; the next connect ships the session, it is processed and injected", async () => {
    // the game's own origin differs from the relay's: the page-hide request is cross-origin, as in production
    const gameOrigin = relay.url.replace("127.0.0.1", "localhost");
    const { context, page, chr } = await newGame({ origin: gameOrigin });
    const { id, endUserId } = await page.evaluate(async () => {
      const s = await window.client.connect();
      await s.recordUserTurn("Hi, my name is Priya.");
      await s.recordCharacterTurn("Welcome, Priya.");
      await s.recordUserTurn("I live in Lisbon.");
      await s.recordUserTurn("I work as a nurse.");
      return { id: s.id, endUserId: localStorage.getItem("keepsake.endUserId")! };
    });
    await page.close({ runBeforeUnload: true }); // no end(): the tab goes away

    // the keepalive request reached the relay: it holds the turns, and nobody has connected since
    const held = await waitFor(async () => { const s = await restSession(id); return s?.turns === 4 && s; }, 5000);
    expect(held).toMatchObject({ endUserId, characterId: chr, status: "open", turns: 4, turnCount: null });

    const next = await gamePage(context, gameOrigin);
    expect(await outbox(next)).toMatchObject({ sessions: [{ sessionId: id, turnCount: 4 }], turns: 4 }); // and IndexedDB still has it
    await newClient(next, { characterId: chr });
    await next.evaluate(async () => { window.live = await window.client.connect(); });
    expect(await next.evaluate(() => window.log.shipped)).toEqual([{ sessionId: id, status: expect.stringMatching(/^(queued|processed)$/) }]);
    expect(await outbox(next)).toEqual({ sessions: [], turns: 0 });
    await waitFor(async () => (await restSession(id))?.status === "processed", 15_000);
    expect(await restSession(id)).toMatchObject({ turns: 4, turnCount: 4 });
    // EXTRACTION: its memories are injected into the session open in the new tab
    await waitFor(() => next.evaluate(() => window.log.memories.some((m) => /Lisbon/.test(m))), 10_000);
    expect(await uncaught(next)).toEqual([]);
    await context.close();
  });

  it("over the keepalive budget, page-hide sends the oldest turns that fit; the next connect ships the rest", async () => {
    const { context, page, chr } = await newGame();
    const { id, endUserId } = await page.evaluate(async (lines) => {
      const s = await window.client.connect();
      for (const l of lines) await s.recordCharacterTurn(l); // ~140 KB of JSON: more than 64 KB
      return { id: s.id, endUserId: localStorage.getItem("keepsake.endUserId")! };
    }, Array.from({ length: 300 }, (_, i) => line(i)));
    await page.close({ runBeforeUnload: true });

    const held = (await waitFor(async () => (await restSession(id))?.turns, 5000)) as number;
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(300);
    // a dense prefix: what the relay would extract if this player never came back
    const exported = await (await fetch(`${relay.url}/v1/users/${endUserId}/export`)).json();
    const seqs = exported.sessions.find((s: { sessionId: string }) => s.sessionId === id).transcript.map((t: { seq: number }) => t.seq);
    expect(seqs).toEqual(Array.from({ length: held }, (_, i) => i));

    const next = await gamePage(context, relay.url);
    await newClient(next, { characterId: chr });
    await next.evaluate(async () => { await window.client.connect(); });
    expect(await restSession(id)).toMatchObject({ turns: 300, turnCount: 300 });
    await context.close();
  });
});

describe.skipIf(skip)("the relay down or restarting", () => {
  it("a dropped socket resumes; end() with the relay down rejects saying the transcript is kept; the background retry ships it once the relay is back, and a later connect() does not ship it again", async () => {
    const { context, page } = await newGame({ retry: { baseMs: 300, maxMs: 2000 } });
    const id = await liveSession(page, "My name is Mateo.");

    // the relay restarts under a live session: its socket reconnects and the session goes on
    await relay.stop();
    relay = await relay.restart();
    await waitFor(() => page.evaluate(() => window.log.injected === 2), 15_000);
    await page.evaluate(async () => { await window.live.recordUserTurn("I live in Denver."); });

    // the relay goes down for good at end()
    await relay.stop();
    await waitFor(() => page.evaluate(() => window.log.disconnected === 2), 5000);
    const err = await page.evaluate(() => window.live.end().then(() => null, (e) => ({ name: e.name, code: e.code, message: e.message })));
    expect(err).toMatchObject({ name: "KeepsakeError", code: "E_NETWORK" });
    expect(err!.message).toMatch(/the transcript is kept in IndexedDB and will be shipped when the relay is reachable: retried in the background/);
    expect(await outbox(page)).toMatchObject({ sessions: [{ sessionId: id, turnCount: 2, endedAt: expect.any(String) }], turns: 2 });
    await new Promise((r) => setTimeout(r, 1000)); // retries meet a closed port
    expect(await page.evaluate(() => window.log.shipped)).toEqual([]);

    // back on the same port and data: the retry ships it by itself, no connect() needed
    relay = await relay.restart();
    await waitFor(() => page.evaluate(() => window.log.shipped.length > 0), 15_000);
    expect(await page.evaluate(() => window.log.shipped)).toEqual([{ sessionId: id, status: expect.stringMatching(/^(queued|processed)$/) }]);
    expect(await outbox(page)).toEqual({ sessions: [], turns: 0 });
    await waitFor(async () => (await restSession(id))?.status === "processed", 15_000);
    expect(await restSession(id)).toMatchObject({ turns: 2, turnCount: 2 });

    const memories = await page.evaluate(async () => (await window.client.connect()).memories.map((m) => m.memory));
    expect(memories.some((m) => /Denver/.test(m))).toBe(true); // EXTRACTION
    expect(await framesOf(page, "session:end", id)).toHaveLength(1); // shipped once: end() never got to send it
    expect(await page.evaluate(() => window.log.errors)).toEqual([]);
    expect(await uncaught(page)).toEqual([]);
    await context.close();
  }, 60_000);

  it("the `online` event retries at once, long before the backoff would, and a connect() racing it does not ship twice", async () => {
    // first retry no sooner than five minutes: only the event can ship it within this test
    const { context, page } = await newGame({ retry: { baseMs: 600_000, maxMs: 600_000 } });
    const id = await liveSession(page, "I have a cat named Miso.");
    await relay.stop();
    expect(await page.evaluate(() => window.live.end().then(() => "resolved", (e) => e.code))).toBe("E_NETWORK");
    relay = await relay.restart();
    await new Promise((r) => setTimeout(r, 500));
    expect(await restSession(id)).toBeNull(); // nothing retried on its own

    await page.evaluate(async () => {
      dispatchEvent(new Event("online"));
      await window.client.connect(); // races the retry for the session's lock
    });
    await waitFor(async () => (await restSession(id))?.turnCount === 1, 5000);
    expect(await page.evaluate(() => window.log.shipped.map((s) => s.sessionId))).toEqual([id]);
    expect(await framesOf(page, "session:end", id)).toHaveLength(1);
    expect(await outbox(page)).toEqual({ sessions: [], turns: 0 });
    await context.close();
  }, 60_000);
});

describe.skipIf(skip)("two tabs of the same game", () => {
  it("share the outbox: each pending session is shipped by exactly one tab, whole, and its memories appear once", async () => {
    const context = await profile();
    const chr = characterId();
    const facts = ["I live in Lisbon.", "I work as a nurse.", "I have a dog named Rex."];
    // three tabs each leave a session behind without end() (open at the same time, so that none
    // ships another's at its connect)
    const closing = await Promise.all(facts.map(() => gamePage(context, relay.url)));
    const left: string[] = [];
    for (const [i, tab] of closing.entries()) {
      await newClient(tab, { characterId: chr });
      left.push(await tab.evaluate(async (f) => {
        const s = await window.client.connect();
        await s.recordUserTurn(f);
        await s.recordCharacterTurn("Noted.");
        return s.id;
      }, facts[i]!));
    }
    for (const tab of closing) await tab.close({ runBeforeUnload: true });
    expect(await waitFor(async () => { const all = await Promise.all(left.map(restSession)); return all.every((s) => s?.turns === 2) && all; }, 5000))
      .toEqual(left.map(() => expect.objectContaining({ status: "open" }))); // page-hide delivered them; nobody ended them
    const endUserId = (await restSession(left[0]!)).endUserId;

    // two tabs open at once and connect at the same moment
    const tabs = [await gamePage(context, relay.url), await gamePage(context, relay.url)];
    for (const t of tabs) await newClient(t, { characterId: chr });
    await Promise.all(tabs.map((t) => t.evaluate(async () => { await window.client.connect(); })));

    const shipped = (await Promise.all(tabs.map((t) => t.evaluate(() => window.log.shipped.map((s) => s.sessionId))))).flat();
    expect(shipped.sort()).toEqual([...left].sort()); // each once, by one tab or the other
    for (const id of left) {
      const ends = (await Promise.all(tabs.map((t) => framesOf(t, "session:end", id)))).flat();
      expect(ends).toHaveLength(1);
    }
    for (const id of left) await waitFor(async () => (await restSession(id))?.status === "processed", 15_000);
    for (const id of left) expect(await restSession(id)).toMatchObject({ turns: 2, turnCount: 2, attempts: 1 });
    expect(await outbox(tabs[0]!)).toEqual({ sessions: [], turns: 0 });

    // EXTRACTION: each session's facts are remembered, once
    const memories = await memoriesOf(endUserId, chr);
    expect(new Set(memories).size).toBe(memories.length);
    for (const word of [/Lisbon/, /nurse/, /Rex/]) expect(memories.filter((m) => word.test(m))).toHaveLength(1);
    for (const t of tabs) expect(await uncaught(t)).toEqual([]);
    await context.close();
  }, 60_000);
});

describe.skipIf(skip)("a 5,000-turn session (about 2 MB)", () => {
  it("ships in chunks within Socket.IO's message limit and arrives whole", async () => {
    const { context, page } = await newGame();
    const id = await page.evaluate(async (lines) => {
      window.live = await window.client.connect();
      await Promise.all(lines.map((l, i) => (i % 2 ? window.live.recordCharacterTurn(l) : window.live.recordUserTurn(l))));
      return window.live.id;
    }, Array.from({ length: 5000 }, (_, i) => line(i)));
    expect((await outbox(page)).turns).toBe(5000);
    const end = await page.evaluate(() => window.live.end());
    expect(end.status).toMatch(/^(queued|processed)$/);
    const { LIMITS } = await import("../../sdk/src/protocol.ts");
    const transcripts = await framesOf(page, "transcript", id);
    expect(transcripts.length).toBeGreaterThanOrEqual(10);
    for (const f of transcripts) {
      expect(f.turns).toBeLessThanOrEqual(LIMITS.turnsPerMessage);
      expect(f.bytes).toBeLessThan(LIMITS.payloadBytes / 2);
    }
    expect(transcripts.reduce((sum, f) => sum + f.turns!, 0)).toBe(5000);
    await waitFor(async () => (await restSession(id))?.status === "processed", 30_000);
    expect(await restSession(id)).toMatchObject({ turns: 5000, turnCount: 5000, status: "processed" });
    expect(await outbox(page)).toEqual({ sessions: [], turns: 0 });
    await context.close();
  }, 60_000);
});

describe.skipIf(skip)("IndexedDB failing", () => {
  it("a full quota: the browser's own QuotaExceededError becomes a warning; recording goes on in memory and end() ships every turn", async () => {
    const context = await profile();
    const page = await context.newPage();
    await page.goto(`${relay.url}/v1/health`);
    // a small quota for this origin, set before the SDK opens its database
    const cdp = await context.newCDPSession(page);
    await cdp.send("Storage.overrideQuotaForOrigin", { origin: relay.url, quotaSize: 300_000 });
    await page.addScriptTag({ url: `${relay.url}/dist/keepsake.iife.js` });
    const chr = characterId();
    await newClient(page, { characterId: chr });
    const { id, recorded, end } = await page.evaluate(async () => {
      const s = await window.client.connect();
      // incompressible text, so the quota fills as fast as the turns grow
      const noise = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(2900)))).slice(0, 3900);
      let recorded = 0;
      while (!window.log.warnings.length && recorded < 400) {
        await s.recordCharacterTurn(noise()); // the game loop's await: it must keep resolving
        recorded++;
      }
      for (let i = 0; i < 5; i++, recorded++) await s.recordCharacterTurn(noise()); // and after the fault
      return { id: s.id, recorded, end: await s.end() };
    });
    const warnings = await page.evaluate(() => window.log.warnings);
    expect(warnings).toEqual([expect.stringMatching(/IndexedDB did not store turn \d+ .*QuotaExceededError.*memory only/)]);
    expect(recorded).toBeLessThan(400); // the quota was hit
    expect(end.status).toMatch(/^(queued|processed)$/);
    expect(await restSession(id)).toMatchObject({ turns: recorded, turnCount: recorded });
    expect(await uncaught(page)).toEqual([]);
    await context.close();
  }, 60_000);

  it("IndexedDB unavailable (private mode): a warning, memory-only buffering, end() ships", async () => {
    const context = await profile();
    // A stand-in by necessity: Chromium has no mode where indexedDB.open() fails, so the page gets
    // the request Firefox's private mode gave (before Firefox 115): one that fires `error` with an
    // InvalidStateError. Everything else is the browser's own.
    await context.addInitScript(() => {
      IDBFactory.prototype.open = function () {
        const request = new EventTarget() as IDBOpenDBRequest;
        Object.setPrototypeOf(request, IDBOpenDBRequest.prototype);
        const error = new DOMException("A mutation operation was attempted on a database that did not allow mutations.", "InvalidStateError");
        Object.defineProperties(request, {
          error: { value: error }, readyState: { value: "done" }, result: { get: () => { throw new DOMException("", "InvalidStateError"); } },
          onerror: { value: null, writable: true }, onsuccess: { value: null, writable: true },
          onupgradeneeded: { value: null, writable: true }, onblocked: { value: null, writable: true },
        });
        setTimeout(() => {
          const event = new Event("error", { bubbles: true, cancelable: true });
          request.dispatchEvent(event);
          request.onerror?.call(request, event);
        });
        return request;
      };
    });
    const page = await gamePage(context, relay.url);
    const chr = characterId();
    await newClient(page, { characterId: chr });
    const { id, seqs, end } = await page.evaluate(async () => {
      const s = await window.client.connect();
      const seqs = [];
      for (const t of ["My name is Ada.", "I live in Oslo.", "I work as a pilot."]) seqs.push((await s.recordUserTurn(t)).seq);
      return { id: s.id, seqs, end: await s.end() };
    });
    expect(await page.evaluate(() => window.log.warnings)).toEqual([expect.stringMatching(/IndexedDB could not be opened \(InvalidStateError.*memory only/)]);
    expect(seqs).toEqual([0, 1, 2]);
    expect(end.status).toMatch(/^(queued|processed)$/);
    expect(await restSession(id)).toMatchObject({ turns: 3, turnCount: 3 });
    expect(await uncaught(page)).toEqual([]);
    await context.close();
  });

  it("a blocked version upgrade: an open stuck behind it, and a live session whose database was taken away, both fall back to memory", async () => {
    const context = await profile();
    const chr = characterId();
    // tab X: code holding the database open at version 1 that ignores `versionchange` (an old build)
    const x = await gamePage(context, relay.url);
    await x.evaluate(() => new Promise<void>((res) => {
      const q = indexedDB.open("keepsake", 1);
      q.onupgradeneeded = () => {
        q.result.createObjectStore("sessions", { keyPath: "sessionId" }).createIndex("identity", "identity");
        q.result.createObjectStore("turns", { keyPath: ["sessionId", "seq"] });
      };
      q.onsuccess = () => { (window as any).held = q.result; res(); };
    }));
    // tab D: a live session, its database open
    const d = await gamePage(context, relay.url);
    await newClient(d, { characterId: chr });
    await liveSession(d, "My name is Noor.");
    // tab B: a newer build upgrading the database to version 2, blocked by tab X
    const b = await gamePage(context, relay.url);
    expect(await b.evaluate(() => new Promise<string>((res) => {
      const q = indexedDB.open("keepsake", 2);
      q.onblocked = () => res("blocked");
      q.onsuccess = () => res("opened");
    }))).toBe("blocked");

    // tab A connects now (its open waits behind the blocked upgrade) while tab D records on (its
    // SDK closed the database for the upgrade, and reopening it waits too)
    const a = await gamePage(context, relay.url);
    await newClient(a, { characterId: chr });
    const [aResult, dResult] = await Promise.all([
      a.evaluate(async () => {
        const s = await window.client.connect();
        await s.recordUserTurn("I live in Cairo.");
        await s.recordUserTurn("I work as an architect.");
        return { id: s.id, end: await s.end() };
      }),
      d.evaluate(async () => {
        await window.live.recordUserTurn("I live in Amman.");
        return { id: window.live.id, end: await window.live.end() };
      }),
    ]);
    expect(await a.evaluate(() => window.log.warnings)).toEqual([expect.stringMatching(/IndexedDB could not be opened \(IndexedDB did not open; another tab may be blocking a version upgrade.*memory only/)]);
    expect(await d.evaluate(() => window.log.warnings)).toEqual([expect.stringMatching(/IndexedDB did not store turn 1 .*memory only/)]);
    expect(aResult.end.status).toMatch(/^(queued|processed)$/);
    expect(dResult.end.status).toMatch(/^(queued|processed)$/);
    expect(await restSession(aResult.id)).toMatchObject({ turns: 2, turnCount: 2 });
    expect(await restSession(dResult.id)).toMatchObject({ turns: 2, turnCount: 2 });

    // tab X goes away: the upgrade goes through, and the opens left waiting fail quietly
    await x.close();
    expect(await b.evaluate(() => new Promise<number>((res) => { const q = indexedDB.open("keepsake"); q.onsuccess = () => { res(q.result.version); q.result.close(); }; }))).toBe(2);
    await new Promise((r) => setTimeout(r, 200));
    for (const p of [a, d, b]) expect(await uncaught(p)).toEqual([]);
    await context.close();
  }, 60_000);
});

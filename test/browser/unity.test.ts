// The Unity WebGL bridge (examples/unity-webgl) in Chromium against the real relay. Its page loads
// Keepsake.jslib the way a Unity build's emscripten runtime does (unity-harness.js: mergeInto and
// autoAddDeps at build time, each function copied into the build as text with its "$" deps, C#
// strings as UTF-8 pointers into the heap freed after each call, answers by SendMessage to the
// receivers KeepsakeMemory.cs declares), and the test drives it as KeepsakeMemory.cs does. Every
// JSON key the plugin sends must be a field, of the right type, of the [Serializable] class its C#
// receiver reads, and every C# extern must match a plugin function: the two files cannot drift.
import fs from "node:fs";
import path from "node:path";
import { type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Relay, startRelay } from "../helpers/relay.ts";
import { hs256, inSeconds, startTokenRelay } from "../helpers/tokens.ts";
import { announceSkip, launch, skip } from "../sdk/chromium.ts";

type Json = any;
interface Harness {
  call(name: string, ...args: (string | number | boolean | null)[]): number;
  waitFor(method: string, test?: (data: Json) => boolean): Promise<Json>;
  answer(id: number, method: string): Promise<Json>;
  messages: { method: string; data: Json }[];
  receivers: string[];
  exports: Record<string, (...args: number[]) => unknown>;
}
declare global { interface Window { harness: Harness } }

const root = path.resolve(import.meta.dirname, "../..");
const artifacts = path.join(root, "test/artifacts");
const cs = fs.readFileSync(path.join(root, "examples/unity-webgl/Assets/Scripts/KeepsakeMemory.cs"), "utf8");

/** KeepsakeMemory.cs's [Serializable] classes: class → field (as JsonUtility names it: `@event` is "event") → C# type. */
const classes = new Map<string, Map<string, string>>();
for (const [, name, body] of cs.matchAll(/\[Serializable\]\s*public class (\w+)\s*\{([^}]*)\}/g)) {
  classes.set(name!, new Map([...body!.matchAll(/public ([\w[\]]+) @?(\w+)\s*(?:=[^;]*)?;/g)].map(([, type, field]) => [field!, type!])));
}
/** Its SendMessage receivers: method → the class it reads the JSON as. */
const receivers = new Map([...cs.matchAll(/void (OnKeepsake\w+)\(string json\)[^;]*?FromJson<(\w+)>/g)].map(([, m, c]) => [m!, c!]));
/** Its externs: name → parameter types. */
const externs = new Map([...cs.matchAll(/\[DllImport\("__Internal"\)\]\s*static extern \w+ (\w+)\(([^)]*)\);/g)]
  .map(([, name, params]) => [name!, params!.split(",").map((p) => p.trim().split(/\s+/)[0]!).filter(Boolean)]));

/** Problems of `value` read by JsonUtility as C# type `type`: keys without a field, values of another type. */
function mismatches(value: unknown, type: string, at: string): string[] {
  if (type.endsWith("[]")) {
    return Array.isArray(value) ? value.flatMap((v, i) => mismatches(v, type.slice(0, -2), `${at}[${i}]`)) : [`${at}: not an array (${type})`];
  }
  const primitive: Record<string, (v: unknown) => boolean> = {
    string: (v) => typeof v === "string", int: Number.isInteger, float: (v) => typeof v === "number", bool: (v) => typeof v === "boolean",
  };
  if (primitive[type]) return primitive[type]!(value) ? [] : [`${at}: ${JSON.stringify(value)} is not a C# ${type}`];
  const fields = classes.get(type);
  if (!fields) return [`${at}: ${type} is not a [Serializable] class of KeepsakeMemory.cs`];
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [`${at}: not an object (${type})`];
  return Object.entries(value).flatMap(([key, v]) => {
    const t = fields.get(key);
    return t ? mismatches(v, t, `${at}.${key}`) : [`${at}.${key}: ${type} has no field "${key}"`];
  });
}

announceSkip("Unity bridge suite");
let relay: Relay;
let browser: Browser;

beforeAll(async () => {
  if (skip) return;
  fs.mkdirSync(artifacts, { recursive: true });
  relay = await startRelay();
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await relay?.stop();
});

/** The bridge's page served by `url`'s relay, loaded; `errors` collects console errors and uncaught exceptions. */
async function bridgePage(context: BrowserContext, errors: string[], url = relay.url): Promise<Page> {
  const page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${url}/examples/unity-webgl/`);
  await page.waitForSelector("body[data-ready]");
  return page;
}

/** C#'s side: `call` an extern (strings become heap pointers); `answer` waits for a request's message, or { rejected: its OnKeepsakeError }. */
function csharp(page: Page) {
  return {
    call: (name: string, ...args: (string | number | boolean)[]) => page.evaluate(([n, a]) => window.harness.call(n, ...a), [name, args] as const),
    answer: (id: number, method: string) => page.evaluate(([i, m]) =>
      window.harness.answer(i, m).catch((e) => ({ rejected: { code: e.code, op: e.op, message: e.message } })), [id, method] as const),
  };
}

/** To test/artifacts/, and to $KEEPSAKE_SCREENSHOTS (docs/screenshots) for the README's picture. */
async function screenshot(page: Page, name: string, forDocs = false) {
  await page.screenshot({ path: path.join(artifacts, name) });
  const docs = process.env.KEEPSAKE_SCREENSHOTS;
  if (!docs || !forDocs) return;
  fs.mkdirSync(path.join(root, docs), { recursive: true });
  await page.screenshot({ path: path.join(root, docs, name) });
}

it.skipIf(skip)("KeepsakeMemory.cs's externs are the plugin's functions, strings read with UTF8ToString", async () => {
  const context = await browser.newContext();
  const page = await bridgePage(context, []);
  const linked: Record<string, string> = await page.evaluate(() =>
    Object.fromEntries(Object.entries(window.harness.exports).map(([name, fn]) => [name, fn.toString()])));
  expect(Object.keys(linked).sort()).toEqual([...externs.keys()].sort());
  for (const [name, types] of externs) {
    const params = /^function\s*\(([^)]*)\)/.exec(linked[name]!)![1]!.split(",").map((p) => p.trim()).filter(Boolean);
    expect(params.length, name).toBe(types.length);
    // a string arrives as a pointer: the plugin must decode it (and only it)
    params.forEach((p, i) => expect(linked[name]!.includes(`UTF8ToString(${p})`), `${name}(${p})`).toBe(types[i] === "string"));
  }
  expect(await page.evaluate(() => window.harness.receivers)).toEqual([...receivers.keys()]);
  await context.close();
});

it.skipIf(skip)("a Unity build's calls: connect, turns, end, memories at the next connect, search, list, add, delete, errors", async () => {
  const context = await browser.newContext({ viewport: { width: 1000, height: 640 } });
  const errors: string[] = [];
  const page = await bridgePage(context, errors);
  const { call, answer } = csharp(page);
  const player = "unity-player-1";

  expect(await call("KeepsakeInit", "KeepsakeMemory", relay.url, "innkeeper", player, true)).toBe(1);
  const first = await answer(await call("KeepsakeConnect"), "OnKeepsakeConnected");
  expect(first).toMatchObject({ enabled: true, total: 0, memories: [] });

  // strings cross as UTF-8 pointers, freed when each call returns
  const turns = [
    ["KeepsakeRecordUserTurn", "Hi, I'm Jordan. I live in Denver."],
    ["KeepsakeRecordCharacterTurn", "Welcome to the Copper Kettle, Jordan! Crème brûlée tonight 🍮"],
    ["KeepsakeRecordEvent", "completed the confined-space entry certification"],
  ] as const;
  const ids: number[] = [];
  for (const [fn, text] of turns) ids.push(await call(fn, text));
  const recorded = await Promise.all(ids.map((id) => answer(id, "OnKeepsakeTurnRecorded")));
  expect(recorded.map((t) => [t.seq, t.role])).toEqual([[0, "user"], [1, "character"], [2, "event"]]);
  const prompt = await answer(await call("KeepsakeGetContext", 10, 0), "OnKeepsakeContext");
  expect(prompt.text).toBe(`Player: ${turns[0][1]}\nCharacter: ${turns[1][1]}\n(event) ${turns[2][1]}`);
  expect(prompt.tokens).toEqual({ context: 0, turns: Math.ceil(prompt.text.length / 4), total: Math.ceil(prompt.text.length / 4) });

  const ended = await answer(await call("KeepsakeEnd"), "OnKeepsakeEnded");
  expect(ended).toMatchObject({ sessionId: first.sessionId, status: expect.stringMatching(/^(queued|processed)$/) });
  const processed = await page.evaluate((s) => window.harness.waitFor("OnKeepsakeSessionProcessed", (d) => d.sessionId === s), first.sessionId);
  expect(processed.results.map((r: Json) => r.event)).toContain("add");
  expect(await answer(await call("KeepsakeRecordUserTurn", "One more thing."), "OnKeepsakeTurnRecorded"))
    .toMatchObject({ rejected: { code: "E_CONFLICT", op: "recordUserTurn" } });

  // the next visit: the character remembers
  const second = await answer(await call("KeepsakeConnect"), "OnKeepsakeConnected");
  expect(second.sessionId).not.toBe(first.sessionId);
  const denver = second.memories.find((m: Json) => /Denver/.test(m.memory));
  expect(second.memories.some((m: Json) => /Jordan/.test(m.memory))).toBe(true); // EXTRACTION
  expect(denver).toMatchObject({ scope: { kind: "pair", endUserId: player, characterId: "innkeeper", store: "" }, pinned: false, metadataJson: expect.any(String) });
  expect(denver.sources[0]).toEqual({ sessionId: first.sessionId, seq: expect.arrayContaining([0]) });
  expect(second.context).toMatch(/Denver/);
  const found = await answer(await call("KeepsakeSearch", "where does the player live?", 3), "OnKeepsakeSearchResults");
  expect(found.memories[0]).toMatchObject({ id: denver.id, score: expect.any(Number) });

  // the player's own memories (client.memories, over REST)
  const listed = await answer(await call("KeepsakeListMemories", 1, 20), "OnKeepsakeMemoryList");
  expect(listed).toMatchObject({ total: second.total, page: 1, pageSize: 20, hasMore: false });
  expect(listed.memories.map((m: Json) => m.id).sort()).toEqual(second.memories.map((m: Json) => m.id).sort());
  const song = "Jordan's favourite song is The Wild Rover.";
  const added = await answer(await call("KeepsakeAddMemory", song), "OnKeepsakeMemoriesAdded");
  expect(added.results).toEqual([{ id: expect.any(String), memory: song, event: "add", previous: "" }]);
  const songId = added.results[0].id;
  // the live session hears it
  await page.evaluate((id) => window.harness.waitFor("OnKeepsakeMemoriesUpdated", (d) => d.memories.some((m: Json) => m.id === id)), songId);
  expect(await answer(await call("KeepsakeDeleteMemory", songId), "OnKeepsakeMemoryDeleted")).toMatchObject({ id: songId });
  const rest = await (await fetch(`${relay.url}/v1/users/${player}/characters/innkeeper/memories`)).json();
  expect(rest.memories.map((m: Json) => m.id).sort()).toEqual(listed.memories.map((m: Json) => m.id).sort());

  // errors come back as { code, message } for the call that failed
  expect(await answer(await call("KeepsakeRecordUserTurn", ""), "OnKeepsakeTurnRecorded"))
    .toMatchObject({ rejected: { code: "E_BAD_REQUEST", op: "recordUserTurn" } });
  expect(await call("KeepsakeInit", "KeepsakeMemory", relay.url, "the innkeeper!", player, true)).toBe(1);
  const refused = await answer(await call("KeepsakeConnect"), "OnKeepsakeConnected");
  expect(refused).toMatchObject({ rejected: { code: "E_BAD_REQUEST", op: "connect", message: expect.stringMatching(/characterId/) } });

  // MemorySettings.IsEnabled: off, nothing injected; back on from the next connect
  expect(await call("KeepsakeInit", "KeepsakeMemory", relay.url, "innkeeper", player, false)).toBe(1);
  expect(await answer(await call("KeepsakeConnect"), "OnKeepsakeConnected")).toMatchObject({ enabled: false, total: 0, memories: [] });
  await call("KeepsakeSetMemoryEnabled", true);
  const back = await answer(await call("KeepsakeConnect"), "OnKeepsakeConnected");
  expect(back).toMatchObject({ enabled: true, total: second.total });

  // what was sent is what KeepsakeMemory.cs reads
  const messages = await page.evaluate(() => window.harness.messages);
  expect(messages.flatMap(({ method, data }) => mismatches(data, receivers.get(method) ?? `(no receiver ${method})`, method))).toEqual([]);
  const unused = [...receivers.keys()].filter((r) => !messages.some((m) => m.method === r));
  expect(unused).toEqual(["OnKeepsakeWarning"]); // every other receiver was checked above
  expect(errors).toEqual([]);
  await screenshot(page, "unity-webgl-calls.png");
  await context.close();
});

it.skipIf(skip)("the page's demo: the innkeeper remembers the player (the SDK's device id) at the next connect", async () => {
  const context = await browser.newContext({ viewport: { width: 1000, height: 640 } });
  const errors: string[] = [];
  const page = await bridgePage(context, errors);
  await page.click("#demo");
  await page.waitForSelector("body[data-demo]");
  expect(await page.getAttribute("body", "data-demo")).toBe("done");
  const remembered = await page.locator("#memories li").allTextContents();
  expect(remembered.some((m) => /Jordan/.test(m))).toBe(true); // EXTRACTION
  expect(remembered.some((m) => /Denver/.test(m))).toBe(true);
  const deviceId = await page.evaluate(() => localStorage.getItem("keepsake.endUserId"));
  expect(deviceId).toMatch(/^[0-9a-f]{32}$/);
  expect((await (await fetch(`${relay.url}/v1/users/${deviceId}/characters/innkeeper/memories`)).json()).total).toBe(remembered.length);
  expect(errors).toEqual([]);
  await screenshot(page, "unity-webgl.png", true);
  await context.close();
});

it.skipIf(skip)("token mode: SetToken's JWT goes with the handshake and the REST calls; without one, E_UNAUTHORIZED", async () => {
  const tokens = await startTokenRelay();
  const context = await browser.newContext();
  try {
    const errors: string[] = [];
    const { call, answer } = csharp(await bridgePage(context, errors, tokens.url));
    const player = "unity-token-player";
    expect(await call("KeepsakeInit", "KeepsakeMemory", tokens.url, "innkeeper", player, true)).toBe(1);
    expect(await answer(await call("KeepsakeConnect"), "OnKeepsakeConnected")).toMatchObject({ rejected: { code: "E_UNAUTHORIZED", op: "connect" } });
    await call("KeepsakeSetToken", await hs256({ sub: player, chr: ["innkeeper"], exp: inSeconds(600) }));
    expect(await answer(await call("KeepsakeConnect"), "OnKeepsakeConnected")).toMatchObject({ enabled: true, total: 0 });
    const added = await answer(await call("KeepsakeAddMemory", "Jordan's favourite song is The Wild Rover."), "OnKeepsakeMemoriesAdded");
    expect(added.results).toMatchObject([{ event: "add" }]);
    expect(await answer(await call("KeepsakeListMemories", 0, 0), "OnKeepsakeMemoryList")).toMatchObject({ total: 1, page: 1, pageSize: 50 });
    expect(errors).toEqual([]);
  } finally {
    await context.close();
    await tokens.stop();
  }
});

it.skipIf(skip)("the page's links show the plugin's sources as text, not as downloads", async () => {
  for (const file of ["Assets/Plugins/WebGL/Keepsake.jslib", "Assets/Scripts/KeepsakeMemory.cs", "README.md"]) {
    const r = await fetch(`${relay.url}/examples/unity-webgl/${file}`);
    expect(r.status, file).toBe(200);
    expect(r.headers.get("content-type"), file).toBe("text/plain; charset=utf-8");
  }
});

// The memory inspector (/inspector/ on the relay) in Chromium against a real relay with an admin
// key: the key prompt (a wrong key refused), the players list, one player's memories with scope,
// pinned and sources (the source turns' text beside them), a memory's history, a session's
// transcript and summary, search, and edit, pin and delete, each checked through REST afterwards.
// Memory text is shown as text, never as HTML. Without Chromium the browser test skips (chromium.ts);
// the page being served and its REST calls needing the key are checked without a browser.
import fs from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelay, type Relay } from "../helpers/relay.ts";
import { ADMIN_KEY } from "../helpers/tokens.ts";
import { authFor, connectClient, type Pair, pairPath, playSession, rest, turns, uid } from "../helpers/wire.ts";
import { announceSkip, launch, skip } from "../sdk/chromium.ts";
import { consoleErrors, screenshot, VIEWPORT } from "./helpers.ts";

announceSkip("inspector browser suite");
const admin = { authorization: `Bearer ${ADMIN_KEY}` };
let relay: Relay;
let browser: Browser;

// this file's own relay: plain names read well in the README's picture
const innkeeper = "innkeeper";
const jordan: Pair = { endUserId: "jordan-kim", characterId: innkeeper };
const smith: Pair = { endUserId: jordan.endUserId, characterId: "blacksmith" };
const guild = "fox-guild";
const first = "s-2025-03-12-inn", second = "s-2025-03-12-guild", third = "s-2025-03-13-smithy";
const TURNS = turns(
  "My name is Jordan.",
  ["character", "Welcome to the Sleeping Fox, traveller."],
  "I live in Denver.",
  "I love coffee.",
  ["event", "opened the old chest"],
);
const WINDOW = "Jordan prefers the window seat.";
const DAWN = "The inn opens at dawn.";
const MARKUP = "The sign over the door reads <b>closed</b> & <img src=x>.";
let ids: { window: string; dawn: string; markup: string };

const get = async (path: string) => rest(relay.url, "GET", path, undefined, { headers: admin });
const add = async (path: string, memories: string[]) => {
  const r = await rest(relay.url, "POST", path, { memories }, { headers: admin });
  expect(r.status, r.text).toBe(200);
  return r.body.results[0].id as string;
};

beforeAll(async () => {
  relay = await startRelay({ env: { KEEPSAKE_ADMIN_KEY: ADMIN_KEY } });
  await Promise.all([
    playSession(relay.url, authFor(jordan, first, { metadata: { name: "Jordan" } }), TURNS),
    playSession(relay.url, authFor(jordan, second, { memoryStores: [guild] }), turns("I have a dog named Rex.")),
    playSession(relay.url, authFor(smith, third), turns("I work as a welder.")),
  ]);
  ids = {
    window: await add(pairPath(jordan), [WINDOW]),
    dawn: await add(`/v1/characters/${innkeeper}/memories`, [DAWN]),
    markup: await add(`/v1/characters/${innkeeper}/memories`, [MARKUP]),
  };
  if (!skip) browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await relay?.stop();
});

describe("/inspector/ without a browser", () => {
  it("is served as HTML with its script and style, and every REST call it makes needs the admin key", async () => {
    for (const [path, type] of [["/inspector/", "text/html"], ["/inspector/inspector.js", "text/javascript"], ["/inspector/inspector.css", "text/css"]]) {
      const r = await fetch(relay.url + path);
      expect(r.status, path).toBe(200);
      expect(r.headers.get("content-type"), path).toContain(type);
    }
    expect(await (await fetch(`${relay.url}/inspector/`)).text()).toContain('<script type="module" src="inspector.js">');
    expect((await fetch(`${relay.url}/inspector`)).status).toBe(404);
    expect((await fetch(`${relay.url}/inspector/..%2Frest.ts`)).status).toBe(404);

    const pair = await get(pairPath(jordan));
    const memory = pair.body.memories[0];
    const calls: [string, string, unknown?][] = [
      ["GET", "/v1/users?limit=50"],
      ["GET", `/v1/users/${jordan.endUserId}/export`],
      ["GET", `/v1/stores/${guild}/memories?page=1&pageSize=100`],
      ["GET", `/v1/characters/${innkeeper}/memories?page=1&pageSize=100`],
      ["GET", `/v1/characters/${innkeeper}/settings`],
      ["GET", `/v1/memories/${memory.id}/history`],
      ["PATCH", `${pairPath(jordan)}/${memory.id}`, { pinned: true }],
      ["PATCH", `${pairPath(jordan)}/${memory.id}`, { memory: "changed" }],
      ["DELETE", `${pairPath(jordan)}/${memory.id}`],
    ];
    for (const [method, path, body] of calls) {
      for (const headers of [{}, { authorization: "Bearer not-the-key" }] as Record<string, string>[]) {
        const r = await rest(relay.url, method, path, body, { headers });
        expect(r.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(r.body.code).toBe("E_UNAUTHORIZED");
      }
    }
    expect((await get(pairPath(jordan))).body.memories).toEqual(pair.body.memories);
  });
});

it.skipIf(skip)("shows a player's memories, sources, history and sessions behind the admin key; search, edit, pin and delete", async () => {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  const errors = consoleErrors(page);
  // every REST call the page makes, to try each again without the key at the end
  const calls = new Map<string, { method: string; url: string; body: string | null }>();
  page.on("request", (r) => {
    const path = new URL(r.url()).pathname;
    // (GET /v1/health is public: it tells whether the relay runs)
    if (path.startsWith("/v1/") && path !== "/v1/health") calls.set(`${r.method()} ${r.url()}`, { method: r.method(), url: r.url(), body: r.postData() });
  });
  await page.goto(`${relay.url}/inspector/`);

  // the key prompt, and nothing else
  const key = page.getByRole("textbox", { name: "Admin key" });
  await expect.poll(() => key.isVisible()).toBe(true);
  expect(await page.locator("#app").isVisible()).toBe(false);
  await screenshot(page, "inspector-key");

  // a wrong key is refused, and said so
  await key.fill("not-the-admin-key");
  await page.getByRole("button", { name: "Open the inspector" }).click();
  await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/refused this key.*E_UNAUTHORIZED/);
  expect(await page.locator("#app").isVisible()).toBe(false);
  expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

  // the right key: the players
  await key.fill(ADMIN_KEY);
  await page.getByRole("button", { name: "Open the inspector" }).click();
  const playerButton = page.getByRole("button", { name: new RegExp(jordan.endUserId) });
  await playerButton.waitFor();
  expect(await page.getByRole("alert").textContent()).toBe("");
  expect(await page.locator("#player-list").textContent()).toContain("Jordan"); // metadata name
  expect(await page.locator("#mode").textContent()).toContain("Admin key in use");

  // one player: memories by scope, with the turns they came from
  await playerButton.click();
  const player = page.locator("#player");
  await player.getByRole("heading", { name: new RegExp(jordan.endUserId) }).waitFor();
  const card = (text: string | RegExp) => player.locator("article.memory").filter({ hasText: text });
  const denver = card(/lives in Denver/);
  await denver.waitFor();
  expect(await denver.locator(".badge").first().textContent()).toBe(`private with ${innkeeper}`);
  expect(await denver.locator(".sources").textContent()).toContain("I live in Denver.");
  expect(await denver.locator(".sources").textContent()).toContain(first);
  expect(await denver.locator(".sources").textContent()).not.toContain("I love coffee.");
  const rex = card(/Rex/);
  expect(await rex.locator(".badge").first().textContent()).toBe(`shared store ${guild}`);
  expect(await rex.locator(".sources").textContent()).toContain("I have a dog named Rex.");
  expect(await card(DAWN).locator(".badge").first().textContent()).toBe(`character knowledge of ${innkeeper}`);
  expect(await card(WINDOW).locator(".sources").textContent()).toContain("Added through REST");
  for (const title of [`Private memories with ${innkeeper}`, `Shared store ${guild}`, `Character knowledge of ${innkeeper}`]) {
    expect(await player.getByRole("heading", { name: new RegExp(title) }).count(), title).toBe(1);
  }
  // every memory the relay has for the player, their store and their character is shown
  const all = [
    ...(await get(pairPath(jordan))).body.memories,
    ...(await get(pairPath(smith))).body.memories,
    ...(await get(`/v1/stores/${guild}/memories`)).body.memories,
    ...(await get(`/v1/characters/${innkeeper}/memories`)).body.memories,
  ];
  expect(await player.locator("article.memory").count()).toBe(all.length);
  // markup in a memory is text
  expect(await card("The sign over the door").locator(".memory-text").textContent()).toBe(MARKUP);
  expect(await player.locator("article.memory b, article.memory img").count()).toBe(0);

  // a character at a time: its private memories, its knowledge, the stores its sessions use, its sessions
  const chips = player.getByRole("group", { name: "Character" });
  await chips.getByRole("button", { name: smith.characterId }).click();
  await expect.poll(() => player.locator("article.memory").allTextContents()).toEqual([expect.stringMatching(/welder.*I work as a welder/)]);
  expect(await player.locator("details.session summary").allTextContents()).toEqual([expect.stringContaining(third)]);
  expect(await chips.getByRole("button", { name: smith.characterId }).getAttribute("aria-pressed")).toBe("true");
  await chips.getByRole("button", { name: innkeeper }).click();
  await expect.poll(() => player.locator("article.memory").count()).toBe(all.length - 1);
  expect(await player.locator("details.session summary").count()).toBe(2);
  await chips.getByRole("button", { name: "All" }).click();
  await expect.poll(() => player.locator("article.memory").count()).toBe(all.length);

  // a memory's history
  await denver.getByRole("button", { name: "History" }).click();
  const history = denver.locator(".history-list li");
  await history.first().waitFor();
  expect(await history.count()).toBe(1);
  expect(await history.first().textContent()).toMatch(new RegExp(`^add.*by session ${first}.*lives in Denver`));
  expect(await denver.getByRole("button", { name: "Hide history" }).getAttribute("aria-expanded")).toBe("true");

  // the session: its transcript and summary
  const view = (await get(`/v1/sessions/${first}`)).body;
  expect(view.summary).toBeTruthy();
  const sessionBox = player.locator("details.session").filter({ hasText: first });
  await sessionBox.locator("summary").click();
  expect(await sessionBox.locator(".summary").textContent()).toBe(view.summary);
  const transcript = await sessionBox.locator(".transcript li").allTextContents();
  expect(transcript).toHaveLength(TURNS.length);
  TURNS.forEach((t, i) => { expect(transcript[i]).toContain(`#${t.seq} ${t.role}`); expect(transcript[i]).toContain(t.text); });
  await sessionBox.evaluate((el) => el.scrollIntoView());
  await screenshot(page, "inspector-session");

  // search filters the memories
  const search = player.getByLabel("Search memories");
  await search.fill("denver");
  await expect.poll(() => player.locator("article.memory").count()).toBe(1);
  expect(await player.locator("article.memory .memory-text").textContent()).toMatch(/Denver/);
  expect(await player.locator("#memory-count").textContent()).toBe(`1 of ${all.length} memories match "denver"`);
  await search.fill("");
  await expect.poll(() => player.locator("article.memory").count()).toBe(all.length);

  // edit a memory's text: REST has it, and its history says so
  const denverId = (await denver.getAttribute("data-id"))!;
  const editor = player.getByRole("textbox", { name: "Memory text" });
  // Escape leaves the editor unchanged, with the focus back on Edit
  await denver.getByRole("button", { name: "Edit" }).click();
  await editor.fill("not saved");
  await editor.press("Escape");
  expect(await editor.count()).toBe(0);
  expect(await denver.getByRole("button", { name: "Edit" }).evaluate((b) => b === document.activeElement)).toBe(true);
  await denver.getByRole("button", { name: "Edit" }).press("Enter");
  await editor.fill("Jordan lives in Boulder.");
  await player.getByRole("button", { name: "Save" }).click();
  const boulder = card("Jordan lives in Boulder.");
  await boulder.locator(".history-list li").nth(1).waitFor();
  expect(await boulder.locator(".history-list li").nth(1).textContent()).toMatch(/^update.*through REST.*Jordan lives in Boulder\..*was.*Denver/);
  expect((await get(`${pairPath(jordan)}/${denverId}`)).body.memory).toBe("Jordan lives in Boulder.");

  // pin one
  await card(WINDOW).getByRole("button", { name: "Pin" }).click();
  await card(WINDOW).locator(".badge.pin").waitFor();
  expect(await card(WINDOW).getByRole("button", { name: "Unpin" }).getAttribute("aria-pressed")).toBe("true");
  expect((await get(`${pairPath(jordan)}/${ids.window}`)).body.pinned).toBe(true);

  // delete another: asked first; Cancel keeps it, Delete deletes it
  const coffee = card(/coffee/);
  const coffeeId = (await coffee.getAttribute("data-id"))!;
  const dialog = page.getByRole("dialog");
  await coffee.getByRole("button", { name: "Delete" }).click();
  expect(await dialog.textContent()).toMatch(/coffee/);
  await dialog.getByRole("button", { name: "Cancel" }).click();
  expect(await dialog.isVisible()).toBe(false);
  expect((await get(`${pairPath(jordan)}/${coffeeId}`)).status).toBe(200);
  await coffee.getByRole("button", { name: "Delete" }).click();
  await dialog.getByRole("button", { name: "Delete" }).click();
  await expect.poll(() => player.locator(`article.memory[data-id="${coffeeId}"]`).count()).toBe(0);
  expect((await get(`${pairPath(jordan)}/${coffeeId}`)).status).toBe(404);
  expect(await player.locator("article.memory").count()).toBe(all.length - 1);
  // the store and the knowledge were left as they were
  expect((await get(`/v1/characters/${innkeeper}/memories`)).body.memories.map((m: { id: string }) => m.id).sort())
    .toEqual([ids.dawn, ids.markup].sort());

  // the export, as the relay has it now
  const [download] = await Promise.all([page.waitForEvent("download"), player.getByRole("button", { name: "Download the export" }).click()]);
  expect(download.suggestedFilename()).toBe(`keepsake-${jordan.endUserId}.json`);
  const saved = JSON.parse(fs.readFileSync((await download.path())!, "utf8"));
  expect(saved).toEqual((await get(`/v1/users/${jordan.endUserId}/export`)).body);
  expect(saved.memories.map((m: { id: string }) => m.id)).not.toContain(coffeeId);

  // a reload in the same tab keeps the key and the open player (the address says which)
  await search.fill("window");
  await page.reload();
  await card(WINDOW).locator(".badge.pin").waitFor();
  expect(await page.getByRole("textbox", { name: "Admin key" }).isVisible()).toBe(false);
  // the README's picture: one character, a memory's history open
  await page.getByLabel("Search memories").fill("");
  await page.getByRole("group", { name: "Character" }).getByRole("button", { name: innkeeper }).click();
  await card("Jordan lives in Boulder.").getByRole("button", { name: "History" }).click();
  await card("Jordan lives in Boulder.").locator(".history-list li").nth(1).waitFor();
  await page.getByRole("button", { name: "Hide history" }).blur();
  await page.locator("#status").evaluate((el) => { el.textContent = ""; });
  await page.evaluate(() => scrollTo(0, 0));
  await page.mouse.move(0, 0);
  await screenshot(page, "inspector", { docs: true });

  // forgetting the key leaves only the prompt
  await page.getByRole("button", { name: "Forget the key" }).click();
  await page.getByRole("textbox", { name: "Admin key" }).waitFor();
  expect(await page.locator("#app").isVisible()).toBe(false);
  expect(await page.locator("#player article").count()).toBe(0);
  expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

  // the one failed request was the wrong key's
  const refused = errors.filter((e) => /status of 401/.test(e) && e.includes("/v1/users?"));
  expect(refused).toHaveLength(1);
  expect(errors.filter((e) => !refused.includes(e))).toEqual([]);
  await context.close();

  // each call the page made (reads and edits alike) is refused without the key
  expect([...calls.keys()].some((c) => c.startsWith("PATCH"))).toBe(true);
  expect([...calls.keys()].some((c) => c.startsWith("DELETE"))).toBe(true);
  for (const { method, url, body } of calls.values()) {
    const r = await fetch(url, { method, body, headers: body ? { "content-type": "application/json" } : {} });
    expect(r.status, `${method} ${url}`).toBe(401);
  }
});

it.skipIf(skip)("works without a key in open mode without KEEPSAKE_ADMIN_KEY (and says REST is open); players paged, filtered by activity and by id", async () => {
  const open = await startRelay();
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    // more players than a page (50)
    const visitors = Array.from({ length: 53 }, (_, i) => `visitor-${String(i).padStart(2, "0")}`);
    for (const endUserId of visitors) (await connectClient(open.url, authFor({ endUserId, characterId: "npc" }))).close();
    const page = await context.newPage();
    const errors = consoleErrors(page);
    await page.goto(`${open.url}/inspector/`);
    await page.getByRole("button", { name: "Open the inspector" }).click();
    const list = page.locator("#player-list .player-id");
    await page.getByRole("button", { name: /visitor-49/ }).waitFor();
    expect(await page.locator("#mode").textContent()).toMatch(/^Open mode: this relay has no KEEPSAKE_ADMIN_KEY, so its REST API is open/);
    expect(await page.getByRole("button", { name: "Forget the key" }).isVisible()).toBe(false);
    expect(await list.allTextContents()).toEqual(visitors.slice(0, 50));
    await page.getByRole("button", { name: "More players" }).click();
    await expect.poll(() => list.allTextContents()).toEqual(visitors);
    expect(await page.getByRole("button", { name: "More players" }).isVisible()).toBe(false);
    // filters: by activity (on the relay), by id (among those loaded)
    await page.getByLabel("Activity").selectOption({ label: "Not active for 30 days" });
    await expect.poll(() => list.count()).toBe(0);
    expect(await page.locator("#player-count").textContent()).toBe("No player matches this activity filter.");
    await page.getByLabel("Activity").selectOption({ label: "Active in the last day" });
    await expect.poll(() => list.count()).toBe(50);
    await page.getByLabel("Filter by id or name").fill("visitor-1");
    expect(await list.allTextContents()).toEqual(visitors.filter((v) => v.startsWith("visitor-1")));
    expect(errors).toEqual([]);
  } finally {
    await context.close();
    await open.stop();
  }
});

// The examples in Chromium against the real relay, played as a person would: a first visit, then a
// second visit in the same browser profile where the character remembers, with no console errors.
// Screenshots go to test/artifacts/ (and the README's docs/screenshots/ with KEEPSAKE_SCREENSHOTS).
// Without /usr/bin/chromium the suite skips, unless KEEPSAKE_REQUIRE_BROWSER=1 (chromium.ts).
import fs from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Relay, startRelay, waitFor } from "../helpers/relay.ts";
import { listAll } from "../helpers/wire.ts";
import { announceSkip, launch, skip } from "../sdk/chromium.ts";
import { consoleErrors, screenshot, VIEWPORT } from "./helpers.ts";

const root = path.resolve(import.meta.dirname, "../..");
announceSkip("examples suite");
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

/** Opens `url` of the relay in a new tab of `context`, collecting its console errors. */
async function visit(context: BrowserContext, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors = consoleErrors(page);
  await page.goto(relay.url + url);
  return { page, errors };
}

/** The player's memories of `characterId` through REST (open mode: no key), as texts. */
async function memoriesOf(page: Page, characterId: string): Promise<string[]> {
  const endUserId = await page.evaluate(() => localStorage.getItem("keepsake.endUserId"));
  return (await listAll(relay.url, { endUserId: endUserId!, characterId })).map((m) => m.memory);
}

const text = (page: Page, selector: string) => page.locator(selector).innerText();

it.skipIf(skip)("npm start's index page links every example, the Unity bridge and the inspector, each of them served", async () => {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const { page, errors } = await visit(context, "/");
  expect(new URL(page.url()).pathname).toBe("/examples/"); // the relay redirects / here
  const links = await page.locator("li a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  expect(links).toEqual(["/examples/script-tag/", "/examples/browser-game/", "/examples/webgl-character/", "/examples/unity-webgl/", "/inspector/"]);
  for (const url of [...links, "/vendor/three/three.module.js", "/vendor/three/three.core.js"]) { // no dead link; three.js served
    expect((await fetch(relay.url + url!)).status, url!).toBe(200);
  }
  await screenshot(page, "examples-index");
  expect(errors).toEqual([]);
  await context.close();
});

it.skipIf(skip)("script tag: Mara asks a new player's name, and greets them by it with what she remembers on the next visit", async () => {
  // the page is what the README shows, to copy and paste
  const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
  expect(readme).toContain(fs.readFileSync(path.join(root, "examples/script-tag/index.html"), "utf8"));

  const context = await browser.newContext({ viewport: VIEWPORT });
  const first = await visit(context, "/examples/script-tag/");
  await first.page.getByText("Mara: Welcome to the Copper Kettle, traveller! What's your name?").waitFor();
  await first.page.fill("#line", "My name is Jordan. I live in Denver.");
  await first.page.press("#line", "Enter");
  await first.page.getByText("Mara: Pleased to meet you, Jordan!").waitFor();
  await first.page.click("#end");
  // the page says what the relay extracted once it is done
  await first.page.getByText(/Mara will remember: .*Jordan lives in Denver/).waitFor();
  await screenshot(first.page, "script-tag-first-visit");
  await first.page.close();

  const second = await visit(context, "/examples/script-tag/");
  await second.page.getByText(/^Mara: Welcome back, Jordan!/).waitFor();
  expect(await text(second.page, "#log li:first-child")).toBe("Mara: Welcome back, Jordan! I remember: Jordan lives in Denver.");
  await screenshot(second.page, "script-tag", { docs: true });
  expect([...first.errors, ...second.errors]).toEqual([]);
  await context.close();
});

it.skipIf(skip)("browser game: walk to Bram and talk, open the chest, finish the quest, leave; next visit Bram greets by name and brings up the quest", { timeout: 60_000 }, async () => {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const first = await visit(context, "/examples/browser-game/");
  const { page } = first;
  // clicks in the canvas's own pixels (960 × 540), wherever the page puts it
  const clickAt = async (p: Page, x: number, y: number) => {
    const box = (await p.locator("#world").boundingBox())!;
    await p.locator("#world").click({ position: { x: (x * box.width) / 960, y: (y * box.height) / 540 } });
  };
  const BRAM = [700, 262] as const, CHEST = [250, 236] as const;

  await page.getByText("Bram has never met you").waitFor(); // connected
  await clickAt(page, ...BRAM); // walk up to him: the conversation opens
  await page.getByText("Hello, stranger! I'm Bram, keeper of the well. And you are?").waitFor();
  await page.fill("#say", "My name is Robin.");
  await page.press("#say", "Enter");
  await page.getByText(/Well met, Robin! .*old chest by the well/).waitFor();

  await clickAt(page, ...CHEST); // walking away ends that conversation; at the chest, it opens
  await page.getByText("★ opened the old chest by the well").waitFor();
  expect(await text(page, "#quest")).toBe("The Lost Lantern: take it back to Bram");
  expect(await page.locator("#dialogue").isHidden()).toBe(true);

  await clickAt(page, ...BRAM); // bring him the lantern
  await page.getByText("My lantern! You found it, Robin. Bless you, the nights are long here.").waitFor();
  await page.getByText("★ finished the quest The Lost Lantern").waitFor();
  expect(await text(page, "#quest")).toBe("The Lost Lantern: done ✓");
  await screenshot(page, "browser-game-first-visit");

  // leave with the keyboard: Escape leaves the chat box, the arrow keys walk
  await page.press("#say", "Escape");
  await page.keyboard.down("ArrowDown");
  await page.locator("#dialogue").waitFor({ state: "hidden" });
  await page.keyboard.up("ArrowDown");

  // both conversations were ended on leaving Bram, and extracted
  const memories = await waitFor(async () => {
    const m = await memoriesOf(page, "bram");
    return m.length >= 3 && m;
  });
  expect(memories).toEqual(expect.arrayContaining([
    "The user's name is Robin.", expect.stringMatching(/^Robin opened the old chest by the well/), expect.stringMatching(/^Robin finished the quest The Lost Lantern/),
  ]));
  await page.close();

  const second = await visit(context, "/examples/browser-game/");
  await second.page.getByText("Bram remembers 3 things about you").waitFor();
  await clickAt(second.page, ...BRAM);
  await second.page.locator("#chat li.npc").waitFor();
  expect(await text(second.page, "#chat li.npc")).toBe(
    "Welcome back, Robin! You finished my quest last time, and bless me if I haven't lost that lantern again. The old chest, I'd wager.",
  );
  await screenshot(second.page, "browser-game", { docs: true });
  expect([...first.errors, ...second.errors]).toEqual([]);
  await context.close();
});

it.skipIf(skip)("WebGL character: a fact told to Wren is in her memory panel, live after the conversation and on the next visit, and so is one added through REST", { timeout: 60_000 }, async () => {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const first = await visit(context, "/examples/webgl-character/");
  const { page } = first;
  await page.getByText("Oh, a new face! I'm Wren, I map the coast. Who are you?").waitFor();
  expect(await page.evaluate(() => (document.getElementById("stage") as HTMLCanvasElement).getContext("webgl2") !== null)).toBe(true); // three.js drew with WebGL 2
  await page.fill("#say", "My name is Robin and my favourite colour is green.");
  await page.press("#say", "Enter");
  await page.getByText("Lovely to meet you, Robin! I'll put you on my map.").waitFor();
  expect(await text(page, "#memories")).toMatch(/^Nothing yet/);
  await page.click("#end");
  // extraction finished: memoriesUpdated fills the panel while the page is open
  await page.locator("#memories li.new", { hasText: "Robin's favorite colour is green." }).waitFor();
  expect(await text(page, "#updated")).toMatch(/^updated live at /);
  await screenshot(page, "webgl-character-first-visit");
  await page.close();

  const second = await visit(context, "/examples/webgl-character/");
  await second.page.getByText("Welcome back, Robin! I still have it in my notes: Robin's favorite colour is green.").waitFor();
  const panel = () => second.page.locator("#memories li").evaluateAll((lis) => lis.map((li) => li.firstChild!.textContent));
  expect((await panel()).sort()).toEqual(["Robin's favorite colour is green.", "The user's name is Robin."]);

  // an operator (or the player's own settings screen) adds a memory: the open page shows it at once
  const endUserId = await second.page.evaluate(() => localStorage.getItem("keepsake.endUserId"));
  const added = await fetch(`${relay.url}/v1/users/${endUserId}/characters/wren/memories`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ memories: ["Robin has a cat named Miso."] }),
  });
  expect(added.status).toBe(200);
  await second.page.locator("#memories li.new", { hasText: "Robin has a cat named Miso." }).waitFor();
  expect(await text(second.page, "#total")).toBe("(3)");
  await screenshot(second.page, "webgl-character", { docs: true });
  expect([...first.errors, ...second.errors]).toEqual([]);
  await context.close();
});

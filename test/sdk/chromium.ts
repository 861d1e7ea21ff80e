// Shared by the browser suites: Debian's Chromium driven by playwright-core, the IIFE bundle loaded
// into pages served by the relay itself. Without Chromium the suites skip with one line, unless
// KEEPSAKE_REQUIRE_BROWSER=1 (as in CI) makes that a failure.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const skip = !fs.existsSync(CHROMIUM) && !process.env.KEEPSAKE_REQUIRE_BROWSER;
/** Flags for Chromium on a closed network, as root, without a display. */
export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
  "--disable-sync", "--no-first-run",
];
const root = path.resolve(import.meta.dirname, "../..");

/** Says in one line that `suite` skips, when it does. */
export function announceSkip(suite: string): void {
  if (skip) console.warn(`${suite} skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium; CI sets KEEPSAKE_REQUIRE_BROWSER=1)`);
}

/** Builds dist/ when the SDK sources are newer (`npm test` has just built it), then starts Chromium. */
export async function launch(): Promise<Browser> {
  const bundle = path.join(root, "dist/keepsake.iife.js");
  const built = fs.existsSync(bundle) ? fs.statSync(bundle).mtimeMs : 0;
  const src = path.join(root, "sdk/src");
  if (fs.readdirSync(src).some((f) => fs.statSync(path.join(src, f)).mtimeMs > built)) {
    execFileSync(process.execPath, [path.join(root, "sdk/build.mjs")], { stdio: "ignore" });
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * A page of `origin` (a loopback origin the relay allows; the relay serves it) with the script-tag
 * bundle loaded. `origin` may differ from the relay's (http://localhost:PORT against
 * http://127.0.0.1:PORT) to make the SDK's requests cross-origin, as from a game's own site.
 */
export async function gamePage(context: BrowserContext, origin: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${origin}/v1/health`);
  await page.addScriptTag({ url: `${origin}/dist/keepsake.iife.js` });
  return page;
}

/** What a page's SDK sent on its sockets: each `transcript` (turn count, first seq, bytes) and `session:end`. */
export interface Frame { event: "transcript" | "session:end"; sessionId: string; turns?: number; first?: number; bytes?: number; turnCount?: number }

/**
 * An init script for a context: records every `transcript` and `session:end` frame a page sends
 * (window.__frames) and every uncaught error or unhandled rejection (window.__uncaught).
 */
export function recordFrames(): void {
  const w = window as unknown as { __frames: Frame[]; __uncaught: string[] };
  w.__frames = [];
  w.__uncaught = [];
  addEventListener("unhandledrejection", (e) => w.__uncaught.push(`unhandled rejection: ${String(e.reason)}`));
  addEventListener("error", (e) => w.__uncaught.push(`error: ${e.message}`));
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    // a Socket.IO event: "42" + ack id + JSON array
    const m = typeof data === "string" ? /^42\d*(\[[\s\S]*)$/.exec(data) : null;
    if (m) {
      try {
        const [event, p] = JSON.parse(m[1]!);
        if (event === "transcript") {
          w.__frames.push({ event, sessionId: p.sessionId, turns: p.turns.length, first: p.turns[0]?.seq, bytes: new TextEncoder().encode(data as string).length });
        } else if (event === "session:end") w.__frames.push({ event, sessionId: p.sessionId, turnCount: p.turnCount });
      } catch { /* not ours */ }
    }
    return send.call(this, data);
  };
}

// Shared by the browser suites of the examples, the inspector and the Unity bridge: a page's console
// errors, and screenshots (test/artifacts/ always; the README's docs/screenshots/ on request).
import fs from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";

const root = path.resolve(import.meta.dirname, "../..");
/** Where every screenshot goes (ignored by git). */
export const ARTIFACTS = path.join(root, "test/artifacts");
/** The size of pages whose screenshots the README shows. */
export const VIEWPORT = { width: 1000, height: 640 };

/** Collects every console error and uncaught exception of `page` from now on: assert it stays empty. */
export function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(`console error: ${m.text()} (${m.location().url})`); });
  page.on("pageerror", (e) => errors.push(`uncaught: ${e.stack ?? e.message}`));
  return errors;
}

/**
 * Writes test/artifacts/`name`.png. With `docs`, also into the folder KEEPSAKE_SCREENSHOTS names
 * (`KEEPSAKE_SCREENSHOTS=docs/screenshots npx vitest run test/browser` refreshes the README's pictures;
 * CI leaves it unset, so committed pictures change only on purpose).
 */
export async function screenshot(page: Page, name: string, opts: { docs?: boolean } = {}): Promise<void> {
  const png = await page.screenshot();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  fs.writeFileSync(path.join(ARTIFACTS, `${name}.png`), png);
  const docs = process.env.KEEPSAKE_SCREENSHOTS;
  if (opts.docs && docs) {
    const dir = path.resolve(root, docs);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${name}.png`), png);
  }
}

// The package as a user gets it: what `npm pack` ships (the bundles, their source maps and the
// declarations; no source, tests, relay or node_modules), that package.json's exports lead a
// module loader and a TypeScript project to them, and that the IIFE a page loads stays within its
// size budget. Needs `npm run build` (npm test runs it first).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
// @ts-expect-error a plain .mjs script, without declarations
import { BUDGET_GZIP_BYTES, gzipSize } from "../../scripts/size.mjs";

const root = path.resolve(import.meta.dirname, "../..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

describe("the npm package", () => {
  it("npm pack ships the ESM and IIFE bundles, their maps and the declarations, and nothing else", () => {
    expect(fs.existsSync(path.join(root, "dist/keepsake.iife.js")), "dist/ is missing: run npm run build").toBe(true);
    const [packed] = JSON.parse(execFileSync(npm, ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
    const files: string[] = packed.files.map((f: { path: string }) => f.path).sort();
    const types = fs.readdirSync(path.join(root, "dist/types")).map((f) => `dist/types/${f}`);
    expect(types).toContain("dist/types/index.d.ts");
    expect(files).toEqual([
      "README.md",
      "dist/keepsake.iife.js", "dist/keepsake.iife.js.map", "dist/keepsake.mjs", "dist/keepsake.mjs.map",
      ...types,
      "package.json",
    ].sort());
    expect(files.filter((f) => /^(sdk|src|test|relay|node_modules|examples|scripts|bench|docs|data)\//.test(f))).toEqual([]);
    // every file package.json points at is in the package
    const targets = [pkg.module, pkg.types, pkg.unpkg, pkg.jsdelivr, pkg.exports["./iife"], ...Object.values(pkg.exports["."])] as string[];
    for (const t of targets) expect(files, t).toContain(t.replace(/^\.\//, ""));
  });

  it("the IIFE a <script> tag loads, socket.io-client included, is within its budget gzipped (npm run size)", () => {
    const iife = fs.readFileSync(path.join(root, "dist/keepsake.iife.js"));
    const gzipped: number = gzipSize(iife);
    expect(BUDGET_GZIP_BYTES).toBe(30 * 1024);
    expect(gzipped, `dist/keepsake.iife.js is ${gzipped} bytes gzipped, over the budget of ${BUDGET_GZIP_BYTES}: npm run size says what is in it`)
      .toBeLessThanOrEqual(BUDGET_GZIP_BYTES);
  });

  it("exports resolve: import \"keepsake\" to the ESM bundle and \"keepsake/iife\" to the IIFE", () => {
    // Node resolves a package's own name through its exports, as it would from a user's node_modules
    const script = 'console.log(JSON.stringify([import.meta.resolve("keepsake"), import.meta.resolve("keepsake/iife")]))';
    const resolved = JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8" }));
    expect(resolved.map((u: string) => path.relative(root, new URL(u).pathname))).toEqual(["dist/keepsake.mjs", "dist/keepsake.iife.js"]);
  });

  it("a TypeScript project importing \"keepsake\" gets the declarations through exports, and they check", () => {
    // a user's project with the package in its node_modules (a link to this repository)
    const project = fs.mkdtempSync(path.join(os.tmpdir(), "keepsake-consumer-"));
    try {
      fs.mkdirSync(path.join(project, "node_modules"));
      fs.symlinkSync(root, path.join(project, "node_modules/keepsake"), "dir");
      const file = path.join(project, "game.ts");
      fs.writeFileSync(file, [
        'import { KeepsakeClient, type MemoryRecord, LIMITS } from "keepsake";',
        'const client = new KeepsakeClient({ relayUrl: "http://127.0.0.1:8787", characterId: "innkeeper" });',
        "client.on(\"memoriesUpdated\", (p) => { const first: MemoryRecord | undefined = p.memories[0]; void first; });",
        "const n: number = LIMITS.turnTextChars;",
        "// @ts-expect-error an unknown option is a type error",
        'new KeepsakeClient({ relayUrl: "x", characterId: "y", nope: 1 });',
        "export { n };",
      ].join("\n"));
      const program = ts.createProgram([file], {
        strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler, lib: ["lib.es2022.d.ts", "lib.dom.d.ts"], types: [],
      });
      const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      expect(diagnostics).toEqual([]);
      // the declarations came from dist/types, through the link
      const declaration = program.getSourceFiles().map((s) => s.fileName).find((f) => f.endsWith("dist/types/index.d.ts"));
      expect(declaration).toBeDefined();
    } finally {
      fs.rmSync(project, { recursive: true, force: true });
    }
  });
});

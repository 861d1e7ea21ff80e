// Builds the browser SDK: `node sdk/build.mjs`
//   dist/keepsake.mjs       ESM, dependencies bundled, minified, with a source map
//   dist/keepsake.iife.js   IIFE exposing the global `Keepsake`, for a <script> tag
//   dist/types/index.d.ts   type declarations (tsc), self-contained: no zod, idb or socket.io types needed
// `bundles` (the esbuild options of both) and `bundle()` are also what scripts/size.mjs measures.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import zlib from "node:zlib";
import * as esbuild from "esbuild";
import { minify } from "terser";
import ts from "typescript";

const root = path.resolve(import.meta.dirname, "..");
const out = path.join(root, "dist");
const entry = path.join(root, "sdk/src/index.ts");

// The SDK connects with WebSocket only (so does the relay accept), and its bundles leave out what
// only the other transports need:
// - engine.io-client's long-polling and WebTransport transports: its transports table is replaced
//   by one with WebSocket alone;
// - its upgrade probe, Socket._probe(): with WebSocket alone there is nothing to upgrade to (the
//   relay's handshake offers no upgrades);
// - engine.io-parser's base64 decoder: packets come base64-encoded only over long-polling.
// The build fails if one of them is not where this expects it (a new engine.io-client or parser).
const websocketOnly = {
  name: "websocket-only",
  setup(build) {
    const STUBS = {
      transports: 'import { WS } from "./websocket.js";\nexport const transports = { websocket: WS };\n',
      base64: 'export const decode = () => { throw new Error("no base64 packets over WebSocket"); };\n',
    };
    const found = new Set();
    const inPackage = (name, args) => args.importer.includes(`${path.sep}${name}${path.sep}`);
    const stub = (name, args) => {
      found.add(name);
      return { path: path.join(args.resolveDir, args.path), namespace: "websocket-only", pluginData: name };
    };
    build.onResolve({ filter: /^\.\/transports\/index\.js$/ }, (args) => (inPackage("engine.io-client", args) ? stub("transports", args) : undefined));
    build.onResolve({ filter: /^\.\/contrib\/base64-arraybuffer\.js$/ }, (args) => (inPackage("engine.io-parser", args) ? stub("base64", args) : undefined));
    build.onLoad({ filter: /.*/, namespace: "websocket-only" }, (args) => ({ contents: STUBS[args.pluginData], resolveDir: path.dirname(args.path) }));
    // engine.io-client's index also re-exports the XHR transport, whose module runs code when loaded:
    // declared free of side effects, it is left out like the other unused transports (its browser
    // build: engine.io-client's package.json maps polling-xhr.node.js to it)
    build.onResolve({ filter: /^\.\/transports\/polling-xhr(\.node)?\.js$/ }, (args) =>
      inPackage("engine.io-client", args) ? { path: path.join(args.resolveDir, "transports/polling-xhr.js"), sideEffects: false } : undefined);
    build.onLoad({ filter: /[\\/]engine\.io-client[\\/]build[\\/]esm[\\/]socket\.js$/ }, async (args) => {
      const source = await fs.promises.readFile(args.path, "utf8");
      const probe = /\n    _probe\(name\) \{\n[\s\S]*?\n    \}\n(?= {4}\/\*\*\n {5}\* Called when connection is deemed open)/;
      if (probe.test(source)) found.add("probe");
      return { contents: source.replace(probe, "\n    _probe() {}\n"), loader: "js" };
    });
    build.onEnd((result) => {
      if (result.errors.length || build.initialOptions.external?.includes("engine.io-client")) return;
      const missing = ["transports", "probe", "base64"].filter((name) => !found.has(name));
      if (missing.length) throw new Error(`engine.io's ${missing.join(", ")} not found where sdk/build.mjs's websocket-only plugin expects them: it needs updating`);
    });
  },
};

const common = {
  entryPoints: [entry],
  plugins: [websocketOnly],
  bundle: true,
  platform: "browser",
  target: "es2020",
  // instead of tsconfig.json: the same imports kept (verbatimModuleSyntax), and class fields set by
  // assignment in the constructor rather than by esbuild's defineProperty helper, which is smaller
  // and works the same for the SDK's classes (none has a base class with accessors of those names)
  tsconfigRaw: { compilerOptions: { useDefineForClassFields: false, verbatimModuleSyntax: true } },
  minify: true,
  legalComments: "none",
  logLevel: "warning",
};
export const bundles = [
  { ...common, format: "esm", outfile: path.join(out, "keepsake.mjs") },
  { ...common, format: "iife", globalName: "Keepsake", outfile: path.join(out, "keepsake.iife.js") },
];

/**
 * One bundle's code: esbuild bundles and minifies it, then terser minifies it once more, for about
 * 1 KB less gzipped (its short names go to the most used variables, which gzip better). With its
 * source map (through both steps) unless `sourcemap` is false; `external` packages are left as imports.
 */
export async function bundle(options, { sourcemap = true, external = [] } = {}) {
  const r = await esbuild.build({ ...options, sourcemap, external, write: false, metafile: true });
  const output = (file) => r.outputFiles.find((f) => f.path === file).text;
  const min = await minify(output(options.outfile), {
    module: options.format === "esm",
    ecma: 2020,
    compress: { passes: 3 },
    sourceMap: sourcemap && { content: output(`${options.outfile}.map`), url: `${path.basename(options.outfile)}.map`, includeSources: true },
  });
  return { code: min.code, map: min.map, metafile: r.metafile };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await build();

async function build() {
  // bundles are overwritten in place (a running relay serves dist/, tests may be loading it); the
  // declarations folder is made afresh
  fs.rmSync(path.join(out, "types"), { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  await Promise.all(bundles.map(async (b) => {
    const { code, map } = await bundle(b);
    fs.writeFileSync(b.outfile, code);
    fs.writeFileSync(`${b.outfile}.map`, map);
  }));

  // ---- declarations ----
  const types = path.join(out, "types");
  execFileSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", path.join(root, "sdk/tsconfig.build.json")], { stdio: "inherit" });
  fs.writeFileSync(path.join(types, "protocol.d.ts"), protocolDeclarations(fs.readFileSync(path.join(types, "protocol.d.ts"), "utf8")));
  // only the files index.d.ts reaches; buffer.d.ts (idb types) is internal
  const reachable = new Set();
  (function walk(f) {
    if (reachable.has(f)) return;
    reachable.add(f);
    for (const m of fs.readFileSync(path.join(types, f), "utf8").matchAll(/from\s+["']\.\/([^"']+)\.ts["']/g)) walk(`${m[1]}.d.ts`);
  })("index.d.ts");
  for (const f of fs.readdirSync(types)) if (!reachable.has(f)) fs.rmSync(path.join(types, f));
  for (const f of reachable) {
    const file = path.join(types, f);
    // relative ".ts" specifiers (the source's style; tsc keeps them in declarations) become ".js" for consumers
    const text = fs.readFileSync(file, "utf8").replace(/(from\s+["']\.\.?\/[^"']+)\.ts(["'])/g, "$1.js$2");
    const bare = /^(?:import|export)\b[^;]*?\bfrom\s+["']([^."'][^"']*)["']/m.exec(text);
    if (bare) throw new Error(`dist/types/${f} imports "${bare[1]}": the declarations must stand alone (mark it @internal?)`);
    fs.writeFileSync(file, text);
  }

  // ---- sizes ----
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  for (const b of bundles) {
    const code = fs.readFileSync(b.outfile);
    console.log(`${path.relative(root, b.outfile).padEnd(22)} ${kb(code.length).padStart(9)}  gzip ${kb(zlib.gzipSync(code, { level: 9 }).length).padStart(8)}`);
  }
  console.log(`${"dist/types/".padEnd(22)} ${[...reachable].sort().join(", ")}`);
}

/**
 * protocol.ts's declarations without zod: schema constants and zod-typed helpers are dropped, and
 * every type inferred from a schema is written out in full by the type checker.
 */
function protocolDeclarations(emitted) {
  const file = path.join(root, "sdk/src/protocol.ts");
  const program = ts.createProgram([file], {
    strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler, allowImportingTsExtensions: true, noEmit: true, skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const expanded = new Map();
  for (const sym of checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(file)))) {
    const decl = sym.getDeclarations()?.find(ts.isTypeAliasDeclaration);
    if (decl && !decl.typeParameters) {
      const text = checker.typeToString(checker.getDeclaredTypeOfSymbol(sym), decl, ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.InTypeAlias);
      expanded.set(sym.name, text);
    }
  }
  const dts = ts.createSourceFile("protocol.d.ts", emitted, ts.ScriptTarget.ES2022, true);
  const ZOD = /\bz\./;
  const kept = [];
  for (const st of dts.statements) {
    if (ts.isImportDeclaration(st)) continue;
    if (!ZOD.test(st.getText(dts))) { kept.push(st.getFullText(dts)); continue; }
    if (ts.isTypeAliasDeclaration(st) && expanded.has(st.name.text) && !ZOD.test(expanded.get(st.name.text))) {
      const docs = st.getFullText(dts).slice(0, st.getStart(dts) - st.getFullStart());
      kept.push(`${docs}export type ${st.name.text} = ${expanded.get(st.name.text)};`);
    }
    // otherwise a schema constant or a zod helper: not part of the SDK's declarations
  }
  return `// The wire protocol's types (generated from sdk/src/protocol.ts by sdk/build.mjs).\n${kept.join("").trim()}\n`;
}

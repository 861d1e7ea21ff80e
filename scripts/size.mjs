// The SDK bundles' sizes and what is in them: `npm run size` (`node scripts/size.mjs`).
// Builds both bundles in memory as sdk/build.mjs does, prints each one's minified and gzipped size,
// the minified bytes of each package in it (esbuild's metafile, before terser), and what leaving a
// package out would save gzipped; exits 1 when the IIFE (socket.io-client included) is over budget.
// test/unit/package.test.ts holds the built IIFE to the same budget.
import path from "node:path";
import { pathToFileURL } from "node:url";
import zlib from "node:zlib";
import { bundle, bundles } from "../sdk/build.mjs";

/** The IIFE, socket.io-client and everything else included, gzipped (issue 7). */
export const BUDGET_GZIP_BYTES = 30 * 1024;

/** Gzipped size in bytes, as the budget counts it (level 9). */
export const gzipSize = (code) => zlib.gzipSync(code, { level: 9 }).length;

const root = path.resolve(import.meta.dirname, "..");
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
/** the package a bundled file comes from; the SDK's own code is "keepsake (sdk/src)" */
const packageOf = (input) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? (input.startsWith("sdk/") ? "keepsake (sdk/src)" : input);
/** packages counted together for "without it": the transport is one choice */
const GROUPS = {
  "socket.io-client and its engine": ["socket.io-client", "socket.io-parser", "engine.io-client", "engine.io-parser", "@socket.io/component-emitter"],
  zod: ["zod"],
  idb: ["idb"],
};

async function measure(options, external = []) {
  const { code, metafile } = await bundle({ ...options, logLevel: "silent" }, { sourcemap: false, external });
  const bytes = Buffer.from(code);
  return { min: bytes.length, gzip: gzipSize(bytes), inputs: Object.values(metafile.outputs)[0].inputs };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();

async function main() {
  let over = false;
  for (const options of bundles) {
    const name = path.relative(root, options.outfile);
    const iife = options.format === "iife";
    const whole = await measure(options);
    const budget = iife ? `  budget ${kb(BUDGET_GZIP_BYTES)}: ${whole.gzip <= BUDGET_GZIP_BYTES ? "within" : `OVER by ${kb(whole.gzip - BUDGET_GZIP_BYTES)}`}` : "";
    console.log(`${name}  ${kb(whole.min)} minified, ${kb(whole.gzip)} gzipped${budget}`);
    if (iife && whole.gzip > BUDGET_GZIP_BYTES) over = true;

    const byPackage = new Map();
    for (const [input, { bytesInOutput }] of Object.entries(whole.inputs)) {
      byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + bytesInOutput);
    }
    for (const [pkg, bytes] of [...byPackage].sort((a, b) => b[1] - a[1])) {
      if (bytes) console.log(`  ${pkg.padEnd(32)} ${kb(bytes).padStart(9)} minified  ${`${Math.round((100 * bytes) / whole.min)}%`.padStart(4)}`);
    }
    if (!iife) continue;
    // the gzip bytes each group costs: the bundle built without it (left as an import) against the whole
    for (const [group, packages] of Object.entries(GROUPS)) {
      const without = await measure(options, packages);
      console.log(`  without ${group}: ${kb(without.gzip)} gzipped (it costs ${kb(whole.gzip - without.gzip)})`);
    }
  }
  if (over) {
    console.error(`the IIFE bundle is over its budget of ${kb(BUDGET_GZIP_BYTES)} gzipped`);
    process.exitCode = 1;
  }
}

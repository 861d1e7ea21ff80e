// The relay's own SQLite store (relay/store/sqlite.ts) in a Deno process, for unit tests of what
// reads it: merge planning sees the store's real slot lookups and full-text search, not a copy of
// them. Node 20 has no node:sqlite, so the store runs in the project's Deno (`deno eval`) on a
// temporary data folder, and each call is one JSON line each way over stdin/stdout.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

const root = path.resolve(import.meta.dirname, "../..");
const deno = path.join(root, "node_modules/.bin/deno");

const SCRIPT = `
const { root, dataDir } = JSON.parse(Deno.env.get("KEEPSAKE_TEST_STORE"));
const { SqliteStore } = await import(new URL("relay/store/sqlite.ts", root).href);
const { planMerge } = await import(new URL("relay/merge.ts", root).href);
const store = new SqliteStore(dataDir);
const calls = {
  planMerge: (facts, scope, sessionId) => planMerge(facts, scope, store, sessionId),
  /** a memory added as a REST add or an extraction would add it; the stored row back */
  put: async (scope, memory, at) => store.getMemory((await store.applyOps([{ event: "add", scope, memory }], at))[0].id),
};
const answer = (line) => Deno.stdout.write(new TextEncoder().encode(JSON.stringify(line) + "\\n"));
let buffered = "";
for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
  buffered += chunk;
  for (let nl; (nl = buffered.indexOf("\\n")) >= 0;) {
    const { id, method, args } = JSON.parse(buffered.slice(0, nl));
    buffered = buffered.slice(nl + 1);
    Promise.resolve()
      .then(() => (calls[method] ?? store[method].bind(store))(...args))
      .then((result) => answer({ id, result: result ?? null }), (e) => answer({ id, error: String(e?.stack ?? e) }));
  }
}
await store.close();
`;

export interface StoreProcess {
  /** `planMerge(...args)` with the store as its lookup, `put(scope, memory, at)`, or any Store method, e.g. `applyOps` */
  call<T = any>(method: string, ...args: unknown[]): Promise<T>;
  /** the store's data folder (removed by close) */
  dataDir: string;
  close(): Promise<void>;
}

export async function startStore(): Promise<StoreProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "keepsake-store-"));
  const child = spawn(deno, ["eval", "--quiet", SCRIPT], {
    cwd: root,
    env: { ...process.env, NO_COLOR: "1", KEEPSAKE_TEST_STORE: JSON.stringify({ root: pathToFileURL(`${root}/`).href, dataDir }) },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const waiting = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  let stderr = "";
  let out = "";
  let next = 0;
  child.stderr!.on("data", (d) => { stderr += d; });
  child.stdin!.on("error", () => {}); // a process that died is reported by the call, below
  child.stdout!.on("data", (d) => {
    out += d;
    for (let nl; (nl = out.indexOf("\n")) >= 0;) {
      const { id, result, error } = JSON.parse(out.slice(0, nl));
      out = out.slice(nl + 1);
      const w = waiting.get(id);
      waiting.delete(id);
      if (error) w?.reject(new Error(`store: ${error}`)); else w?.resolve(result);
    }
  });
  const exited = new Promise<void>((res) => child.on("exit", (code) => {
    for (const w of waiting.values()) w.reject(new Error(`the store process exited with ${code}:\n${stderr}`));
    waiting.clear();
    res();
  }));
  return {
    dataDir,
    call(method, ...args) {
      const id = next++;
      return new Promise((resolve, reject) => {
        if (child.exitCode !== null) return reject(new Error(`the store process exited with ${child.exitCode}:\n${stderr}`));
        waiting.set(id, { resolve, reject });
        child.stdin!.write(`${JSON.stringify({ id, method, args })}\n`);
      });
    },
    async close() {
      child.stdin!.end();
      await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

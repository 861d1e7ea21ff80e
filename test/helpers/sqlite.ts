// Direct access to a stopped relay's SQLite file, to corrupt what a job needs as a disk fault or a
// bug would. Node 20 has no node:sqlite, so the statements run in the project's Deno (`deno eval`).
// Only for tests that must reach under the protocol; everything else goes through the wire.
import { spawnSync } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
const deno = path.join(root, "node_modules/.bin/deno");

const SCRIPT = `
import { DatabaseSync } from "node:sqlite";
const { file, statements } = JSON.parse(Deno.env.get("KEEPSAKE_TEST_SQL"));
const db = new DatabaseSync(file);
db.exec("pragma busy_timeout = 5000");
const out = [];
db.exec("begin immediate");
try {
  for (const { sql, params } of statements) {
    const st = db.prepare(sql);
    out.push(/^\\s*(select|pragma)/i.test(sql) ? st.all(...params) : st.run(...params));
  }
  db.exec("commit");
} catch (e) {
  db.exec("rollback");
  throw e;
}
db.close();
console.log(JSON.stringify(out, (_k, v) => (typeof v === "bigint" ? Number(v) : v)));
`;

export interface Statement { sql: string; params?: (string | number | null)[] }

/**
 * Runs `statements` in one transaction on `${dataDir}/keepsake.db` and returns one result per
 * statement: the rows of a select, `{ changes, lastInsertRowid }` otherwise. The relay must be stopped.
 */
export function sqlite(dataDir: string, statements: Statement[]): any[] {
  const r = spawnSync(deno, ["eval", "--quiet", SCRIPT], {
    cwd: root,
    env: { ...process.env, NO_COLOR: "1", KEEPSAKE_TEST_SQL: JSON.stringify({ file: path.join(dataDir, "keepsake.db"), statements: statements.map((s) => ({ params: [], ...s })) }) },
    encoding: "utf8",
    timeout: 20_000,
  });
  if (r.status !== 0) throw new Error(`sqlite script failed (${r.status}): ${r.stderr || r.error}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!);
}

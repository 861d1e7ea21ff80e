#!/usr/bin/env node
// `npm run eval`: runs the shared evaluation driver on both development sets, each against a fresh
// relay (`--start`), and writes the figures into the README's "Evaluation" table between the
// <!-- eval:start --> and <!-- eval:end --> markers. The data stays in ../shared; nothing of it is
// copied here. Pass --no-write to print the table without touching the README.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const shared = path.resolve(root, "../shared");
const RUNS = [
  { label: "LoCoMo dev", args: ["--data", path.join(shared, "data/locomo-dev.json")] },
  { label: "Synthetic-Persona-Chat, first 300", args: ["--data", path.join(shared, "data/spc-valid.csv"), "--limit", "300"] },
];

const rows = [];
for (const run of RUNS) {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "keepsake-eval-")), "report.json");
  console.log(`eval: ${run.label}…`);
  execFileSync(process.execPath, [path.join(shared, "eval/run.mjs"), ...run.args, "--start", "--json", out], { cwd: root, stdio: "inherit" });
  const report = JSON.parse(fs.readFileSync(out, "utf8"));
  const f = report.figures, n = report.conversations.length;
  const sessions = report.conversations.reduce((s, c) => s + c.sessions, 0);
  const search = f.searchEvidence === "n/a" ? "n/a" : `${f.searchEvidence} (${f.bm25Evidence})`;
  rows.push(`| ${run.label} (${n} conversations, ${sessions} sessions) | ${f.recall}${f.recallWithSource === "n/a" ? "" : ` (${f.recallWithSource})`} | ${f.precision} | ${f.firstPerson} | ${f.wordsPerMemory} | ${f.memoriesPerSession} | ${f.keptWordsShare} | ${search} | ${f.endToProcessedMsP50} / ${f.endToProcessedMsP95} ms |`);
}

const table = [
  `Measured on ${new Date().toISOString().slice(0, 10)} by \`npm run eval\` (${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? "CPU"}), which runs`,
  "`node ../shared/eval/run.mjs --data ../shared/data/locomo-dev.json --start` and",
  "`node ../shared/eval/run.mjs --data ../shared/data/spc-valid.csv --limit 300 --start`:",
  "",
  "| data | gold facts recalled (from the right turn) | precision | first-person memories | words per memory | memories per session | share of the user's words kept | search evidence@10 (raw-turn BM25) | session end → processed p50 / p95 |",
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ...rows,
].join("\n");
console.log(`\n${table}\n`);

if (!process.argv.includes("--no-write")) {
  const file = path.join(root, "README.md");
  const readme = fs.readFileSync(file, "utf8");
  const start = "<!-- eval:start -->", end = "<!-- eval:end -->";
  const a = readme.indexOf(start), b = readme.indexOf(end);
  if (a < 0 || b < a) throw new Error(`README.md has no ${start} … ${end} block to write into`);
  fs.writeFileSync(file, `${readme.slice(0, a + start.length)}\n${table}\n${readme.slice(b)}`);
  console.log("README.md: Evaluation table written");
}

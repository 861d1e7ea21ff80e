// `npm run eval:offline -- [data file] [limit] [--from N] [--dump FILE]`: the built-in extractor and merge run in
// process on the shared evaluation data, scored with the shared driver's own scorer, in seconds rather
// than minutes: for working on the extractor. It prints the driver's extraction figures (they match
// `npm run eval`, which goes through a real relay) and the extractor's own time per session.
// --dump writes, under a "# id" line for each conversation, every memory (P: precise, -: not) and every gold fact (R: recalled, MISS, and whether any
// memory came from its turn) to FILE.
import { parseArgs } from "node:util";
import { content, load } from "../../shared/eval/datasets.mjs";
import { scoreExtraction } from "../../shared/eval/score.mjs";
import type { Scope } from "../sdk/src/protocol.ts";
import { extractFacts } from "../relay/extract/builtin.ts";
import { namedKin } from "../relay/extract/kin.ts";
import { type MergeLookup, planMerge } from "../relay/merge.ts";
import type { StoredMemory } from "../relay/store/store.ts";

const { values: options, positionals: args } = parseArgs({ args: Deno.args, allowPositionals: true, options: { dump: { type: "string" }, from: { type: "string" } } });
const dumpTo = options.dump;
if (dumpTo !== undefined && /\.(json|csv)$/.test(dumpTo)) throw new Error(`--dump needs a file to write, not "${dumpTo}"`);
const file = args[0] ?? new URL("../../shared/data/locomo-dev.json", import.meta.url).pathname;
// --from N: the conversations from the Nth on (SPC's after the first 300 are conversations the targets were not tuned on)
const from = Number(options.from ?? 0);
const convs = load(file, {}).slice(from, from + Number(args[1] ?? Infinity));
const scope: Scope = { kind: "pair", endUserId: "u", characterId: "c" };
const totals: Record<string, number> = {};
const times: number[] = [];
const dump: string[] = [];
let userWords = 0, sessions = 0, questions = 0, findable = 0;

for (const conv of convs) {
  // the store, as merge sees it: slots, and candidates sharing content words
  const mems: (Pick<StoredMemory, "id" | "memory" | "slot" | "value" | "pinned"> & { sources: { sessionId: string; seq: number[] }[] })[] = [];
  const lookup = {
    findBySlot: (_: Scope, slot: string) => Promise.resolve(mems.filter((m) => m.slot === slot)),
    searchMemories: (_: Scope[], q: string, n: number) => {
      const words = new Set(content(q));
      return Promise.resolve(mems.map((m) => ({ ...m, score: content(m.memory).filter((w: string) => words.has(w)).length }))
        .filter((m) => m.score > 0).sort((a, b) => b.score - a.score).slice(0, n));
    },
  } as unknown as MergeLookup;
  for (const [i, s] of conv.sessions.entries()) {
    sessions++;
    const t0 = Date.parse(s.date);
    const turns = s.turns.map((t: { role: "user" | "character"; text: string }, seq: number) =>
      ({ seq, role: t.role, text: t.text.slice(0, 4000), at: new Date(t0 + seq * 30000).toISOString() }));
    const started = performance.now();
    // (the family and pets named so far, as the relay's store gives them)
    const knownKin = namedKin([...mems].reverse());
    const facts = extractFacts(turns, mems.find((m) => m.slot === "name")?.value ?? undefined, knownKin);
    times.push(performance.now() - started);
    for (const op of await planMerge(facts, scope, lookup, `s${i}`)) {
      const m = op.event === "add" ? undefined : mems.find((x) => x.id === op.id);
      if (op.event === "add") mems.push({ id: String(mems.length + 1), memory: op.memory.memory, slot: op.memory.slot ?? null, value: op.memory.value ?? null, pinned: false, sources: op.memory.sources ?? [] });
      else if (op.event === "delete") mems.splice(mems.indexOf(m!), 1);
      else if (m) {
        if (op.event === "update") m.memory = op.memory ?? m.memory;
        m.sources.push(...(op.addSources ?? []));
      }
    }
  }
  const scored = mems.map((m) => ({ ...m, sources: m.sources.map((s) => ({ ...s, sessionIndex: Number(s.sessionId.slice(1)) })) }));
  // a question search can answer at all: some memory came from one of its evidence turns
  const refs = new Set(scored.flatMap((m) => m.sources.flatMap((s) => s.seq.map((q) => `${s.sessionIndex}:${q}`))));
  questions += conv.qa.length;
  findable += conv.qa.filter((q: { evidence: string[] }) => q.evidence.some((r) => refs.has(r))).length;
  for (const [k, v] of Object.entries(scoreExtraction(conv, scored))) totals[k] = (totals[k] ?? 0) + (v as number);
  userWords += conv.sessions.flatMap((s: { turns: { role: string; text: string }[] }) => s.turns)
    .filter((t: { role: string }) => t.role === "user").reduce((n: number, t: { text: string }) => n + t.text.split(/\s+/).length, 0);
  if (dumpTo) {
    const names = [conv.user, conv.character];
    const gold = conv.gold.map((g: { fact: string; refs: string[] }) => ({ ...g, c: content(g.fact, names) }));
    const half = (a: string[], b: string[]) => a.length > 0 && a.filter((w) => b.includes(w)).length / a.length >= 0.5;
    dump.push(`# ${conv.id}`);
    for (const m of scored) {
      const c = content(m.memory, names);
      dump.push(`${gold.some((g: { c: string[] }) => half(c, g.c)) ? "P" : "-"} ${m.sources.map((s) => `${s.sessionIndex}:${s.seq.join(",")}`).join(" ")} | ${m.memory}`);
    }
    for (const g of gold) {
      if (scored.some((m) => half(g.c, content(m.memory, names)))) { dump.push(`R ${g.refs.join(",")} | ${g.fact}`); continue; }
      const fromTurn = scored.some((m) => m.sources.some((s) => s.seq.some((q) => g.refs.includes(`${s.sessionIndex}:${q}`))));
      dump.push(`MISS${fromTurn ? "" : " (no memory from that turn)"} ${g.refs.join(",")} | ${g.fact}`);
      for (const ref of fromTurn ? [] : g.refs) { // what the user said there, that gave no memory
        const [si, seq] = ref.split(":").map(Number);
        dump.push(`    said ${ref}: ${conv.sessions[si]?.turns[seq]?.text ?? "?"}`);
      }
      if (!g.refs.length) { // no refs (SPC): show the user turn closest to the fact, and what came from it
        const turns = conv.sessions.flatMap((s: { turns: { role: string; text: string }[] }, si: number) =>
          s.turns.map((t, seq) => ({ ...t, ref: `${si}:${seq}` }))).filter((t: { role: string }) => t.role === "user");
        const near = (t: { text: string }) => g.c.filter((w: string) => content(t.text, names).includes(w)).length;
        const best = turns.reduce((a: { text: string; ref: string }, b: { text: string; ref: string }) => near(b) > near(a) ? b : a);
        dump.push(`    said ${best.ref}: ${best.text}`);
        for (const m of scored.filter((m) => m.sources.some((s) => s.seq.some((q) => `${s.sessionIndex}:${q}` === best.ref)))) dump.push(`      -> ${m.memory}`);
      }
    }
  }
}

times.sort((a, b) => a - b);
const r = (a: number, b: number) => (b ? (a / b).toFixed(3) : "n/a");
const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(1);
console.log(`${convs.length} conversations, ${sessions} sessions: recall ${r(totals.recalled, totals.gold)} (from the right turn ${r(totals.recalledWithSource, totals.withRefs)}), ` +
  `precision ${r(totals.precise, totals.memories)}, first-person ${totals.firstPerson}, ${totals.memories} memories, ${r(totals.words, totals.memories)} words each, ` +
  `${r(totals.memories, sessions)} per session, ${r(totals.words, userWords)} of the user's words kept`);
console.log(`extractFacts per session: p50 ${q(0.5)} ms, p95 ${q(0.95)} ms`);
if (questions) console.log(`questions whose evidence turn gave a memory (the most search evidence@10 can reach): ${r(findable, questions)} of ${questions}`);
if (dumpTo) Deno.writeTextFileSync(dumpTo, dump.join("\n") + "\n");

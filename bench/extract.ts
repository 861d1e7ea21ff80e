// The built-in extractor's own time for a 30-turn session (the target: the relay's session end →
// processed under 50 ms p95 for one), beside what compromise alone takes to tag the same user turns:
// best of several rounds after a warm-up, and the p50/p95 of 200 single runs. Run in Deno, as the relay.
//
//   npm run bench            (or: npx deno run -A bench/extract.ts)
import nlp from "compromise";
import { extractFacts } from "../relay/extract/builtin.ts";
import type { Turn } from "../sdk/src/protocol.ts";

const LINES = [
  "C:How was your day?", "I went rock climbing with my brother.", "C:Nice!", "I'm a nurse and I live in Denver.",
  "I really like spicy food.", "E:opened the northern gate", "I'm good, thanks.", "I want to learn the violin.",
  "My dog Rex is getting old.", "Do you like music?",
];
const at = "2025-03-12T15:30:00.000Z";
const turns: Turn[] = Array.from({ length: 30 }, (_, seq) => {
  const line = LINES[seq % LINES.length];
  const role = line.startsWith("C:") ? "character" : line.startsWith("E:") ? "event" : "user";
  return { seq, role, text: role === "user" ? line : line.slice(2), at };
});
const said = turns.filter((t) => t.role !== "character").map((t) => t.text);

const time = (f: () => void) => { const t0 = performance.now(); f(); return performance.now() - t0; };
for (let i = 0; i < 30; i++) extractFacts(turns, "Jordan");
const runs = Array.from({ length: 200 }, () => time(() => extractFacts(turns, "Jordan"))).sort((a, b) => a - b);
const best = (f: () => void) => Math.min(...Array.from({ length: 6 }, () => time(() => { for (let i = 0; i < 5; i++) f(); }) / 5));
const extract = best(() => extractFacts(turns, "Jordan"));
const tagOnly = best(() => said.forEach((t) => nlp(t).json()));
const ms = (x: number) => `${x.toFixed(1)} ms`;
console.log(`extract: a 30-turn session in ${ms(runs[100])} p50, ${ms(runs[190])} p95 (200 runs); best of six rounds ${ms(extract)}, ` +
  `compromise alone tagging its user turns ${ms(tagOnly)} (${(extract / tagOnly).toFixed(2)}×)`);

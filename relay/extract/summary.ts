// The built-in summary of a session: its salient facts in at most three sentences, made from the
// session's facts alone, deterministically. The LLM extractor writes its own; this is its fallback.
import type { Fact } from "./extractor.ts";

/** The longest summary kept, in characters (about 100 estimated tokens). */
export const SUMMARY_CHARS = 400;
const SENTENCES = 3;
/** facts said of the user joined in one sentence at most */
const PER_SENTENCE = 3;

/**
 * "Jordan Kim lives in Denver, works as a welder and loves coffee. Jordan's sister Ana is a nurse.
 * Jordan completed the confined-space entry certification on 2025-03-12.": the most important facts
 * first (ties in the order said), those about the user joined under one subject, the name folded in.
 * `knownName`: the user's name from earlier sessions. Null when the session gave no fact.
 */
export function summarize(facts: Fact[], knownName?: string): string | null {
  const given = [...facts].reverse().find((f) => f.slot === "name" && f.value && !f.retract)?.value;
  const name = given ?? knownName;
  const first = name?.split(/\s+/)[0];
  // stable: equals keep the order they were said in
  const ranked = facts.filter((f) => f.slot !== "name" || !given).sort((a, b) => b.importance - a.importance);
  const sentences: { subject: string | null; parts: string[]; full: boolean }[] = [];
  for (const f of ranked) {
    const text = f.text.trim().replace(/[.!]+$/, "");
    // "Jordan lives in Denver" and "The user lives in Denver" (said before the name) are about the user;
    // one with a comma of its own is not listed with others
    const who = [first, "The user"].find((s) => s && text.startsWith(`${s} `) && /^[a-z]/.test(text.slice(s.length + 1)));
    const listed = !!who && !text.includes(",");
    const open = listed && sentences.find((s) => s.subject && !s.full && s.parts.length < PER_SENTENCE);
    if (open) open.parts.push(text.slice(who!.length + 1));
    else if (sentences.length < SENTENCES) {
      sentences.push(who ? { subject: first ?? who, parts: [text.slice(who.length + 1)], full: !listed } : { subject: null, parts: [text], full: true });
    }
  }
  if (!sentences.length) return given ? `The user's name is ${given}.` : null;
  let named = false;
  const said = sentences.map(({ subject, parts }) => {
    const list = parts.length > 1 ? `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}` : parts[0];
    if (!subject) return `${list}.`;
    // the full name once, where the user is first named
    const who = name && !named ? name : subject;
    named ||= who === name;
    return `${who} ${list}.`;
  });
  return clip(said);
}

/** Whole sentences up to SUMMARY_CHARS; a first sentence longer than that is cut at a word. */
export function clip(sentences: string[]): string {
  let out = "";
  for (const s of sentences) {
    const next = out ? `${out} ${s}` : s;
    if (next.length > SUMMARY_CHARS) break;
    out = next;
  }
  return out || `${sentences[0].slice(0, SUMMARY_CHARS - 1).replace(/\s+\S*$/, "")}…`;
}

/** A text's sentences, whitespace collapsed. */
export function sentencesOf(text: string): string[] {
  return text.replace(/\s+/g, " ").trim().split(/(?<=[.!?…])\s+/).filter(Boolean);
}

/** A reopened session's summary: what its earlier part said, then what the new turns add, within SUMMARY_CHARS. */
export function joinSummaries(earlier: string | null, added: string | null): string | null {
  if (!earlier || !added) return added ?? earlier;
  return clip([...sentencesOf(earlier), ...sentencesOf(added)]);
}

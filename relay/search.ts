// `memory:search` ranking. A query is cut to its content words (stop words and question words
// dropped); words naming the player (their stored name, "user", "player") become one gentle group
// that also matches memories saying "the user" or the name; related words (WordNet) a weaker one;
// a word naming a kind of memory ("hobbies", "pets") the words such memories are said with (KINDS).
// The store scores each group with BM25 and sums them. With embeddings, that ranking and the one by
// cosine to the query's vector are fused (reciprocal rank fusion). What the player said around the best
// matches in the same conversation (CONTEXT), and in a conversation held on a day the query names
// (SAID_ON), is raised. Importance and recency then break near-ties, and a result that repeats a better
// one is discounted, so that the top results say different things.
import type { Scope, Source } from "../sdk/src/protocol.ts";
import type { Embeddings } from "./embeddings.ts";
import { saidWithin } from "./store/lexical.ts";
import type { Store, StoredMemory, TermGroup } from "./store/store.ts";
import { FAMILY, PETS } from "./extract/kin.ts";
import { known, related } from "./wordnet.ts";

export type Scored = StoredMemory & { score: number };

/** How much each kind of query word counts against a content word (1). */
export const WEIGHTS = { person: 0.2, related: 0.2, stop: 0.2, kinds: 0.5 };
/** The most a memory's importance (0..1) and recency (1 when just updated, halving every RECENCY_DAYS) add, as a share of its relevance. */
export const TIE_BREAK = { importance: 0.1, recency: 0.05 };
export const RECENCY_DAYS = 30;
/** How much a result that repeats a better one is discounted (diverse(): 0 keeps the plain ranking). */
export const DIVERSITY = 0.75;
/**
 * What was said around the best matches: a memory from a turn at most `turns` away from one of the
 * `hits` best results' turns, in the same session, gains `weight` × that result's score (the most of
 * any such result). A conversation stays on its topic for a few turns: "How is the mill coming
 * along?" finds "… is restoring the old mill" and, told a turn later, "… replaced the water wheel".
 */
export const CONTEXT = { hits: 3, turns: 4, weight: 0.3 };
/**
 * A memory from one of the player's conversations held on a day the query names ("What did Jordan say
 * on 12 March 2025?"), or in a month it names, gains this share of the best result's score.
 */
export const SAID_ON = 0.5;
/** Reciprocal rank fusion's constant (60 in the original paper): how flat the rank curve is. */
export const RRF_K = 60;

const STOP = new Set((
  "a an the and or but if then so than of to in on at by for with from about as into onto over under after before during " +
  "since until up down out off again once is am are was were be been being do does did doing done have has had having " +
  "will would shall should can could may might must i me my mine myself we us our ours you your yours he him his himself " +
  "she her hers herself it its itself they them their theirs themselves this that these those there here " +
  "not no yes very really just also too quite some any all each every ever other such own same more most many much few " +
  "s t d ll m re ve don didn doesn isn aren wasn weren won wouldn couldn shouldn haven hasn hadn"
).split(" "));
/** The commonest stop words: in nearly every memory, they tell nothing and cost the most to count. Dropped. */
const FILLER = new Set(["a", "an", "the", "and", "of", "to"]);
/** Words that ask rather than say: dropped. */
const QUESTION = new Set("what which who whom whose when where why how whats whos tell remember recall know".split(" "));
/**
 * Words of a question that name a kind of memory rather than the memory's own words ("What are my
 * hobbies?" finds "The user enjoys reading"; "What pets…" finds "… has a dog"): the words such
 * memories are said with. A small thesaurus of what players ask characters about.
 */
const KINDS: [RegExp, string][] = [
  [/^(hobby|hobbies|interest|interests|pastime|pastimes)$/, "like likes love loves enjoy enjoys into fan favorite"],
  [/^(pet|pets)$/, "dog cat puppy kitten hamster rabbit parrot bird fish turtle snake lizard horse"],
  [/^(family|relatives)$/, "mom mother dad father parents sister brother son daughter kids wife husband grandma grandpa aunt uncle cousin"],
  [/^(job|jobs|career|profession|occupation|living)$/, "work works job career employed"],
  [/^(plan|plans|goal|goals|dream|dreams|future)$/, "plan plans want wants going hope hopes goal dream"],
  [/^(relationship|married|single|dating)$/, "single married boyfriend girlfriend partner husband wife dating"],
  [/^(instrument|instruments)$/, "guitar piano violin drums flute saxophone cello ukulele bass"],
  [/^(sport|sports)$/, "soccer football basketball baseball tennis hockey volleyball golf swimming running"],
  [/^(exercise|workout|workouts|fitness|martial)$/, "gym yoga running hiking cycling swimming boxing kickboxing karate judo taekwondo"],
  [/^(city|cities|country|countries|places)$/, "visited went trip traveled been"],
  [/^(travel|travels|traveled|travelled|trip|trips|vacation|vacations|journey)$/, "went visited trip traveled travelled flew tour"],
  [/^(book|books|novel|novels|author|authors)$/, "read reading novel story series author"],
  [/^(movie|movies|film|films|show|shows|tv)$/, "watch watched watching movie film show series"],
  [/^(music|song|songs|band|bands|album|albums)$/, "song band album music listen concert sing"],
  [/^(food|foods|dish|dishes|dessert|desserts|recipe|recipes|meal|meals|cooking|baking)$/, "cook cooking bake baking recipe dish dessert cake eat"],
  [/^(game|games|gaming)$/, "play playing played tournament console"],
  [/^(excited|exciting|excitement|thrilled|stoked|pumped)$/, "excited thrilled stoked pumped psyched eager"],
  [/^(often|frequently)$/, "once twice times week weekly daily every usually always"],
];

/** a family or pet word as a question may say it, one or several: "sister", "sisters", "puppies", "children" */
const saidOf = (words: Set<string>, more: string[]) =>
  new RegExp(`^(${[...words, ...more].flatMap((w) => [w, w === "child" ? "children" : /[^aeiou]y$/.test(w) ? `${w.slice(0, -1)}ies` : /(sh|s)$/.test(w) ? w : `${w}s`]).join("|")})$`);
/**
 * Words of a question that ask for what a slot holds ("What's my job?" for the occupation, "Do I have
 * any pets?" for the pets): the memories on those slots score SLOT_WEIGHT each, whatever their words
 * ("Kai is a dog walker." shares none with "job").
 */
const SLOTS_ASKED: [RegExp, string[]][] = [
  [/^(job|jobs|career|profession|occupation|work|works|living)$/, ["occupation"]],
  [/^(live|lives|home|address)$/, ["home"]],
  [/^(born|hometown|origin|grew)$/, ["origin"]],
  [/^(old|age)$/, ["age"]],
  [saidOf(PETS, ["pet"]), ["pet:"]],
  [saidOf(FAMILY, ["family", "relative"]), ["family:"]],
  [/^(favorite|favourite|fave|fav)$/, ["pref:favorite"]],
  [/^(hobby|hobbies|likes|loves|enjoys|into|dislikes|hates)$/, ["pref:"]],
  [/^(goal|goals|plan|plans|dream|dreams|ambition|ambitions)$/, ["goal:"]],
];
/** How much a memory on a slot the question asks for gains (a content word matched counts about 1 to 5). */
export const SLOT_WEIGHT = 0.3;

/** The slots a query asks for: "name" only when it names no pet or relative ("my dog's name" asks the dog's). */
function slotsAsked(query: string): string[] {
  const said = wordsOf(query), slots = new Set<string>();
  for (const w of said) for (const [re, asked] of SLOTS_ASKED) if (re.test(w)) for (const s of asked) slots.add(s);
  if (said.some((w) => w === "name" || w === "called") && !slots.has("pet:") && !slots.has("family:")) slots.add("name");
  return [...slots];
}

/** Words that name the player without their name. */
const PLAYER = new Set(["user", "users", "player", "players"]);

interface Query {
  /** content words */
  words: string[];
  /** words naming the player, and how memories name them */
  person: string[];
  /** words related to the content words, not already among them */
  related: string[];
  /** stop words: they count a little, for memories phrased like the question ("has done", "would love") */
  stop: string[];
  /** the words memories of a kind the query names are said with (KINDS) */
  kinds: string[];
  /** the days ("2025-03-12") and months ("2025-03") the query names */
  days: string[];
}

const wordsOf = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

/** What a query asks for, given the player's stored name (or null). */
function analyze(query: string, name: string | null): Query {
  const names = new Set(wordsOf(name ?? ""));
  const q: Query = { words: [], person: [], related: [], stop: [], kinds: [], days: [] };
  const add = (list: string[], w: string) => { if (!list.includes(w)) list.push(w); };
  // names ("Denver", "Rose" after the first word) get no related words
  const proper = new Set((query.match(/(?<=[\p{L}\p{N}][^\p{L}\p{N}]+)\p{Lu}[\p{L}\p{N}]*/gu) ?? []).map((w) => w.toLowerCase()));
  const when = dates(query);
  for (const w of wordsOf(when.rest)) {
    if (names.has(w) || PLAYER.has(w)) q.person = ["user", ...names];
    else if (STOP.has(w)) { if (!FILLER.has(w)) add(q.stop, w); }
    else if (!QUESTION.has(w)) add(q.words, w);
  }
  // one word written as two, or two as one: "work out" and "workout", "every day" and "everyday" (when
  // WordNet has both); the two words then count together, as a phrase ("work out" is not "works at the mill")
  const said = wordsOf(when.rest);
  for (let i = 0; i + 1 < said.length; i++) {
    const [a, b] = [said[i], said[i + 1]];
    if (a.length < 2 || b.length < 2 || (a + b).length < 6 || !known(a + b)) continue;
    q.words = q.words.filter((w) => w !== a && w !== b);
    add(q.words, `${a} ${b}`);
    add(q.words, a + b);
  }
  for (const w of [...q.words]) {
    for (let k = 3; k <= w.length - 2; k++) if (known(`${w.slice(0, k)}_${w.slice(k)}`)) add(q.words, `${w.slice(0, k)} ${w.slice(k)}`);
  }
  q.words.push(...when.exact);
  q.days = when.days;
  const seen = new Set(q.words.map(stem));
  for (const w of q.words.filter((w) => !proper.has(w))) {
    for (const r of related(w)) {
      const key = r.split(" ").map(stem).join(" ");
      if (!seen.has(key)) { seen.add(key); q.related.push(r); }
    }
  }
  q.related.push(...when.near);
  for (const w of q.words) for (const [kind, words] of KINDS) if (kind.test(w)) for (const k of words.split(" ")) add(q.kinds, k);
  return q;
}

const MONTHS = "january february march april may june july august september october november december".split(" ");
const MONTH = "(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\\.?";
const DAY = "(\\d{1,2})(?:st|nd|rd|th)?";

/**
 * Dates in the query, taken out of it and searched as memories write them: "7 July, 2023" as
 * `2023-07-07` (and, nearly as well, as in July 2023), "March 2025" as `2025-03` or "March 2025".
 */
function dates(query: string): { rest: string; exact: string[]; near: string[]; days: string[] } {
  const exact: string[] = [], near: string[] = [], days: string[] = [];
  const found = (y: string, m: string, d?: string) => {
    const mm = String(MONTHS.findIndex((n) => n.startsWith(m.slice(0, 3).toLowerCase())) + 1).padStart(2, "0");
    const iso = `${y} ${mm}`, words = `${MONTHS[Number(mm) - 1]} ${y}`;
    if (d) { exact.push(`${iso} ${d.padStart(2, "0")}`); near.push(iso, words); } else exact.push(iso, words);
    days.push(d ? `${y}-${mm}-${d.padStart(2, "0")}` : `${y}-${mm}`);
    return " ";
  };
  const rest = query
    .replace(new RegExp(`\\b${DAY}\\s+(?:of\\s+)?${MONTH},?\\s+(\\d{4})\\b`, "gi"), (_, d, m, y) => found(y, m, d))
    .replace(new RegExp(`\\b${MONTH}\\s+${DAY},?\\s+(\\d{4})\\b`, "gi"), (_, m, d, y) => found(y, m, d))
    .replace(new RegExp(`\\b${MONTH},?\\s+(\\d{4})\\b`, "gi"), (_, m, y) => found(y, m));
  return { rest, exact, near, days };
}

/** Ranked memories of `scopes` for `query`, best first; `score` is documented in the README. */
export async function search(store: Store, scopes: Scope[], query: string, limit: number, embeddings?: Embeddings): Promise<Scored[]> {
  const name = await storedName(store, scopes);
  const q = analyze(query, name);
  const groups: TermGroup[] = [
    { terms: q.words, weight: 1 },
    // "the user" and the name are one and the same: a flat bonus, not the rarer name's higher idf
    { terms: q.person, weight: q.words.length ? WEIGHTS.person : 1, flat: true },
    { terms: q.related, weight: WEIGHTS.related },
    { terms: q.stop, weight: WEIGHTS.stop },
    { terms: q.kinds.filter((k) => !q.words.includes(k)), weight: WEIGHTS.kinds },
    { terms: [], slots: slotsAsked(query), weight: SLOT_WEIGHT },
  ];
  // a few more than asked for, so that fusion and the tie-breaks can lift one in from just below
  const pool = limit * 2 + 10;
  const lexical = await store.rankMemories(scopes, groups, pool);
  // with embeddings, the memories nearest in meaning too (null: the endpoint is down, lexical alone)
  const semantic = embeddings ? await embeddings.nearest(store, scopes, query, pool) : null;
  const found = await saidOn(store, scopes, await withContext(store, scopes, semantic ? fuse([lexical, semantic]) : lexical), q.days);
  const now = Date.now();
  return diverse(found.map((m) => ({ ...m, score: m.score * tieBreak(m, now) })).sort((a, b) => b.score - a.score), limit, name, q.words);
}

/** `ranked` with the memories of the player's conversations held on a day (or in a month) the query names raised, as SAID_ON says. */
async function saidOn(store: Store, scopes: Scope[], ranked: Scored[], days: string[]): Promise<Scored[]> {
  const pair = scopes.find((s): s is Extract<Scope, { kind: "pair" }> => s.kind === "pair");
  if (!days.length || !pair || !ranked.length) return ranked;
  const sessions = new Set(await store.sessionsEnded(pair.endUserId, pair.characterId, days));
  if (!sessions.size) return ranked;
  const gain = SAID_ON * ranked[0].score;
  return ranked.map((m) => (m.sources.some((s) => sessions.has(s.sessionId)) ? { ...m, score: m.score + gain } : m)).sort((a, b) => b.score - a.score);
}

/** `ranked` (best first) with the memories said around its best results raised, or added, as CONTEXT says. */
async function withContext(store: Store, scopes: Scope[], ranked: Scored[]): Promise<Scored[]> {
  const best = ranked.slice(0, CONTEXT.hits).filter((m) => m.sources.length);
  if (!best.length) return ranked;
  const around = await store.saidAround(scopes, best.flatMap((m) => m.sources), CONTEXT.turns);
  const near = (a: { sources: Source[] }, b: { sources: Source[] }) => a.sources.some((x) => b.sources.some((y) => saidWithin(x, y, CONTEXT.turns)));
  const byId = new Map(ranked.map((m) => [m.id, m]));
  for (const m of around) {
    const gain = Math.max(0, ...best.filter((hit) => hit.id !== m.id && near(hit, m)).map((hit) => CONTEXT.weight * hit.score));
    if (gain <= 0) continue;
    // one that matched no word of the query joins with the gain alone
    const had = byId.get(m.id) ?? { ...m, score: 0 };
    byId.set(m.id, { ...had, score: had.score + gain });
  }
  return [...byId.values()].sort((a, b) => b.score - a.score);
}

/**
 * The best `limit` of `ranked`, each next one picked for its score discounted by how much it repeats
 * one picked before it (maximal marginal relevance): score × (1 − DIVERSITY × the largest share of
 * content words, other than the query's, it has in common with a better one). Three memories that say the same thing do not
 * fill a player's top results; the one that says something else moves up. Scores stay best first.
 */
function diverse(ranked: Scored[], limit: number, name: string | null, asked: string[]): Scored[] {
  // the query's own words are what every result shares: not a repeat ("a red lantern", "a blue lantern")
  const own = new Set([...PLAYER, ...wordsOf(name ?? ""), ...asked]);
  const words = new Map(ranked.map((m) => [m.id, new Set(wordsOf(m.memory).filter((w) => !STOP.has(w) && !own.has(w)))]));
  const overlap = (a: Set<string>, b: Set<string>) => {
    let n = 0;
    for (const w of a) if (b.has(w)) n++;
    return n / (a.size + b.size - n || 1);
  };
  const out: Scored[] = [], left = ranked.map((m) => ({ m, score: m.score }));
  while (out.length < limit && left.length) {
    let best = 0;
    for (let i = 1; i < left.length; i++) if (left[i].score > left[best].score) best = i;
    const [picked] = left.splice(best, 1);
    out.push({ ...picked.m, score: picked.score });
    // what is left is discounted by its likeness to what was just picked (it only ever grows)
    for (const l of left) {
      const near = overlap(words.get(l.m.id)!, words.get(picked.m.id)!);
      l.score = Math.min(l.score, l.m.score * (1 - DIVERSITY * near));
    }
  }
  return out;
}

/** Reciprocal rank fusion: a memory scores Σ 1 / (RRF_K + its rank) over the rankings it is in (ranks from 1). */
function fuse(rankings: Scored[][]): Scored[] {
  const fused = new Map<string, Scored>();
  for (const ranking of rankings) {
    ranking.forEach((m, i) => fused.set(m.id, { ...m, score: (fused.get(m.id)?.score ?? 0) + 1 / (RRF_K + i + 1) }));
  }
  return [...fused.values()].sort((a, b) => b.score - a.score);
}

/** 1 plus up to TIE_BREAK.importance for importance and TIE_BREAK.recency for a memory updated just now. */
function tieBreak(m: StoredMemory, now: number): number {
  const days = Math.max(0, now - Date.parse(m.updatedAt)) / 86_400_000;
  return 1 + TIE_BREAK.importance * m.importance + TIE_BREAK.recency * 0.5 ** (days / RECENCY_DAYS);
}

/** The player's name, from the memory on the "name" slot of the first scope that has one. */
async function storedName(store: Store, scopes: Scope[]): Promise<string | null> {
  for (const scope of scopes) {
    if (scope.kind === "character") continue;
    const m = (await store.findBySlot(scope, "name"))[0];
    if (m?.value) return m.value;
  }
  return null;
}

/** A light suffix stripper, to tell a related word from a form of a query word. */
function stem(w: string): string {
  return w.length <= 4 ? w : w.replace(/(ies|ied)$/, "y").replace(/(ing|ed|es|s|er|ers)$/, "");
}

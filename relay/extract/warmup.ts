// Made-up sessions for warming the built-in extractor up at start-up (relay/extract/worker.ts). The
// JavaScript engine compiles the NLP's hot code (and the extractor's lemma cache fills) only as
// varied text goes through them: the same few lines over and over warmed up little (LoCoMo's first 16
// sessions, in one process: 404–443 ms cold, about 370 ms after 600 ms of the same four lines, 265 ms
// after 600 ms of these). So sentences are put together from word lists, each session different; they
// need not make sense ("I love painting video games"), only go down the extractor's paths. Turns run
// to several sentences, answer the questions players are asked, and every other session is written
// as phones and chat write: curly apostrophes, dashes, emoji. V8 compiles each regular expression
// once for text of one byte a character and again for text with any character beyond Latin-1: a
// warm-up in plain ASCII left the first real session with a "’" or "—" as slow as a cold one
// (scripts measured it: LoCoMo's second session, 33–34 ms after 1.5 s of ASCII warm-up, 14–17 after
// one that had such characters; about 10 when fully warm).
import type { Turn } from "../../sdk/src/protocol.ts";

/** infinitive, past, -ing */
const VERBS = (
  "go went going|play played playing|read read reading|watch watched watching|cook cooked cooking|bake baked baking|" +
  "run ran running|swim swam swimming|write wrote writing|paint painted painting|draw drew drawing|sing sang singing|" +
  "dance danced dancing|travel travelled travelling|visit visited visiting|buy bought buying|build built building|" +
  "start started starting|finish finished finishing|learn learned learning|teach taught teaching|work worked working|" +
  "move moved moving|meet met meeting|try tried trying|find found finding|lose lost losing|win won winning|" +
  "make made making|take took taking|see saw seeing|hike hiked hiking|climb climbed climbing|study studied studying|" +
  "practice practiced practicing|join joined joining|adopt adopted adopting|fix fixed fixing|drive drove driving|" +
  "fly flew flying|ride rode riding|collect collected collecting|grow grew growing|sell sold selling|open opened opening|" +
  "plan planned planning|celebrate celebrated celebrating|quit quit quitting|get got getting|give gave giving|" +
  "host hosted hosting|organize organized organizing|train trained training|coach coached coaching|knit knitted knitting"
).split("|").map((v) => v.split(" "));
const THINGS = [
  "a new recipe", "the guitar", "my first novel", "a small garden", "the local team", "a pottery class", "old comics",
  "a road trip", "the marathon", "chess", "photos of birds", "the piano", "a treehouse", "video games", "jazz records",
  "a book club", "a short film", "the night shift", "a charity run", "spicy noodles", "a vegetable patch", "model trains",
];
const PLACES = ["Lisbon", "Denver", "Tokyo", "Chicago", "Berlin", "Nairobi", "the coast", "the mountains", "a tiny village"];
const KIN = ["sister", "brother", "mom", "dad", "son", "daughter", "wife", "husband", "cousin", "grandpa", "best friend"];
const PETS = ["dog", "cat", "parrot", "rabbit", "horse"];
const NAMES = ["Max", "Luna", "Kiwi", "Ana", "Sam", "Noor", "Theo", "Mika", "Rosa", "Jun"];
const JOBS = ["nurse", "teacher", "welder", "chef", "pilot", "accountant", "carpenter", "librarian"];
const WHEN = ["yesterday", "last week", "last Friday", "two years ago", "last month", "this morning", "in 2019", "last weekend"];
const LATER = ["next month", "next year", "this weekend", "tomorrow", "next Friday"];
const FEEL = ["amazing", "exhausting", "so much fun", "really hard", "peaceful", "a bit scary"];
const ASKED = [
  "What have you been up to?", "Tell me more!", "How was it?", "Do you have any pets?", "What do you do for work?",
  "What's your name?", "Where do you live?", "Do you have any siblings?", "Are you married?", "Do you play other games?",
  "What's your favorite book?", "How did your family react?", "That sounds amazing! What's it about?", "Wow, congrats!",
  "Do you cook?", "What kind of music are you into?", "Any plans for the weekend?",
];
const EMOJI = ["😊", "😂", "🎉", ":)", "❤️"];

/** One user line of kind `k`, its words picked by `n`. */
function line(k: number, n: number): string {
  const pick = <T>(list: T[], salt = 0) => list[(n * 7 + salt * 13) % list.length];
  const [inf, past, ing] = pick(VERBS), [, past2] = pick(VERBS, 1), thing = pick(THINGS, 2), place = pick(PLACES, 3);
  switch (k % 23) {
    case 0: return `I ${past} ${thing} ${pick(WHEN, 4)}.`;
    case 1: return `Just ${past} ${thing}!`;
    case 2: return `My ${pick(KIN, 5)} ${past2} ${thing} ${pick(WHEN, 6)}, and it was ${pick(FEEL, 7)}.`;
    case 3: return `I love ${ing} ${thing}. Do you?`;
    case 4: return `I'm ${ing} ${thing} these days, it keeps me busy.`;
    case 5: return `We went to ${place} ${pick(WHEN, 8)}. It was ${pick(FEEL, 9)}!`;
    case 6: return `I'm going to ${inf} ${thing} ${pick(LATER, 10)}.`;
    case 7: return `I've been ${ing} since I was ${12 + (n % 20)}.`;
    case 8: return `Honestly I don't like ${ing} at all, but my ${pick(KIN, 11)} does.`;
    case 9: return `I have a ${pick(PETS, 12)} named ${pick(NAMES, 13)}. She's ${2 + (n % 9)} years old.`;
    case 10: return `I work as a ${pick(JOBS, 14)} in ${place}, and I want to ${inf} ${thing} someday.`;
    case 11: return `My name is ${pick(NAMES, 15)} and I'm ${20 + (n % 40)}. I live in ${place} with my ${pick(KIN, 16)}.`;
    case 12: return `If I had more time I would ${inf} ${thing} every day.`;
    case 13: return `Have you been to ${place}? Planning a trip there ${pick(LATER, 17)}. My favorite food is ${pick(THINGS, 18)}.`;
    case 14: return `Hey ${pick(NAMES, 19)}! Thanks for asking. ${capital(pick(WHEN, 20))}, I ${past} ${thing} with my ${pick(KIN, 21)} and it was ${pick(FEEL, 22)}. [shares a photo of ${thing} by a lake]`;
    case 15: return `It's been a rollercoaster - I lost my job ${pick(WHEN, 23)}, but it pushed me to ${inf} ${thing}. I'm proud of how far I've come.`;
    case 16: return `My ${pick(KIN, 24)} just moved to ${place}. She works at a bakery there and loves it.`;
    case 17: return `Thanks so much, your support means a lot! It's important to ${inf} ${thing} with people who get you.`;
    case 18: return `Yep, twins! They're ${3 + (n % 8)} and they keep us busy. We have ${pick(["two", "three"], 25)} kids now.`;
    case 19: return `i got back from ${place} ${pick(WHEN, 26)} it was so cool lol, we ${past2} ${thing} every day`;
    case 20: return `Mostly solo. My friends are into ${thing} instead, so I'm ${ing} on my own these days.`;
    case 21: return `I'm off to do some ${ing} now! Been ${ing} ${thing} for about ${2 + (n % 9)} months and it really helps me unwind.`;
    default: return `Not really, but I've always wanted to ${inf} ${thing}. Maybe ${pick(LATER, 27)} I'll finally give it a go.`;
  }
}

const capital = (s: string) => s[0].toUpperCase() + s.slice(1);

/** The text as a phone or a chat box writes it: curly apostrophes, a dash for " - ", an emoji at the end. */
function typed(text: string, n: number): string {
  return `${text.replace(/'/g, "’").replace(/ - /g, " — ")} ${EMOJI[n % EMOJI.length]}`;
}

/**
 * The `n`th made-up session: a character's question before each of eight user turns of one to three
 * lines; every other session typed as phones and chat write (typed).
 */
export function warmUpSession(n: number): Turn[] {
  const at = new Date(Date.UTC(2025, n % 12, 1 + (n % 28), 18)).toISOString();
  return Array.from({ length: 8 }, (_, i) => {
    const lines = Array.from({ length: 1 + ((n + i) % 3) }, (_, j) => line(n + i + 5 * j, n * 8 + i + j));
    const text = lines.join(" ");
    return [
      { seq: 2 * i, role: "character" as const, text: ASKED[(n * 3 + i) % ASKED.length], at },
      { seq: 2 * i + 1, role: "user" as const, text: n % 2 ? typed(text, n + i) : text, at },
    ];
  }).flat();
}

// Mara, the innkeeper: a tiny scripted character. In a real game this is where your dialogue system
// or language model goes; for an LLM you would put `session.context` into the system prompt and
// skip all of this. Nothing here talks to Keepsake directly: it reads the memories it is handed
// (MemoryRecord objects: `{ id, memory, ... }`, with `memory` one third-person fact such as
// "Jordan lives in Denver.") and calls the `search` function it is given.

/** A fresh innkeeper for one session. */
function createInnkeeper() {
  let playerName = null; // known from memories, or from "my name is …" in this session
  let small = 0; // rotates the small-talk lines

  return {
    name: "Mara",

    /** The first line of a session, from what was injected at connect. */
    greet(memories) {
      playerName = nameIn(memories) ?? playerName;
      if (memories.length === 0) {
        return "Welcome to the Copper Kettle, traveller! I don't believe we've met. What should I call you?";
      }
      const facts = memories.filter((m) => !isNameFact(m)).slice(0, 2).map((m) => clause(m.memory, playerName));
      const hello = playerName ? `Welcome back, ${playerName}!` : "Welcome back, friend!";
      return facts.length ? `${hello} Last time you told me ${joinAnd(facts)}.` : `${hello} Good to see you again.`;
    },

    /** Memories arrived mid-session (an earlier session's extraction finished): say so, or nothing. */
    recall(memories) {
      const name = nameIn(memories);
      if (!name || name === playerName) return null;
      playerName = name;
      return `Wait… ${name}! Of course, I remember you now.`;
    },

    /** Answers one player line. `search(query)` resolves to memories ranked by relevance. */
    async reply(text, { memories, search }) {
      const said = text.trim();

      if (/what do you (remember|know) about me/i.test(said)) {
        if (memories.length === 0) {
          // memories are extracted when a session ends: what was said today comes back next visit
          return playerName ? `Only what you've told me today, ${playerName}. Give an old innkeeper till your next visit.` : "Nothing yet, I'm afraid. Tell me about yourself!";
        }
        return `Let me think… ${memories.map((m) => `${capitalize(clause(m.memory, playerName))}.`).join(" ")}`;
      }

      const asked = said.match(/do you (?:still )?remember\s+(.+?)[?.!]*$/i);
      if (asked) {
        const words = keywords(asked[1]);
        const found = words ? await search(words) : [];
        if (found.length === 0) return "Hmm, no. I don't think you ever told me about that.";
        return `Of course! ${capitalize(clause(found[0].memory, playerName))}.`;
      }

      const intro = said.match(/\b(?:my name is|my name's|call me|i'm|i am)\s+([A-Z][\p{L}'-]+)/u);
      if (intro) {
        if (intro[1] === playerName) return `I know, ${playerName}, I know. You needn't tell me twice.`;
        playerName = intro[1];
        return `Pleased to meet you, ${playerName}! Pull up a stool, I'll try to remember all that.`;
      }

      if (/^(hi|hello|hey|good (morning|evening|day))\b/i.test(said)) {
        return playerName ? `Hello again, ${playerName}.` : "Hello there! And you are…?";
      }
      if (/\b(bye|goodbye|farewell|see you)\b/i.test(said)) {
        return `Safe travels${playerName ? `, ${playerName}` : ""}. The Copper Kettle will be here.`;
      }
      if (/\bi (live|work|love|like|hate|have|am|completed|finished)\b/i.test(said)) {
        return "Is that so? I'll keep that in mind.";
      }
      const lines = ["Mm-hm. Go on.", "The stew's on the house if you keep talking.", "Is that so? Tell me more."];
      return lines[small++ % lines.length];
    },
  };
}

// ---- turning third-person memories into things Mara can say ----

const NAME_FACT = /\b(?:user|player)'s name is ([^.]+)/i;
const isNameFact = (m) => NAME_FACT.test(m.memory);

/** The player's first name from a memory like "The user's name is Jordan Kim.", if there is one. */
function nameIn(memories) {
  for (const m of memories) {
    const found = m.memory.match(NAME_FACT);
    if (found) return found[1].trim().split(/\s+/)[0];
  }
  return null;
}

/**
 * "Jordan lives in Denver." → "you live in Denver"; "The user's name is Jordan." → "your name is
 * Jordan". A fact about someone else is returned as it is, without its final period.
 */
function clause(memory, name) {
  const text = memory.trim().replace(/\.$/, "");
  const subject = ["The user", "The player", ...(name ? [name] : [])].map(escape).join("|");
  // The subject is the player ("The user", "Jordan", "Jordan Kim"), or the fact is about someone else.
  const possessive = text.match(new RegExp(`^(?:${subject})(?: [A-Z]\\w+)?'s (.*)$`));
  if (possessive) return `your ${possessive[1]}`;
  const plain = text.match(new RegExp(`^(?:${subject})(?: [A-Z]\\w+)? (.*)$`));
  if (!plain) return text;
  // "Jordan really loves …": skip an adverb, then turn the verb from "he/she" form to "you" form.
  const [, adverb = "", verb, rest = ""] = plain[1].match(/^((?:also|really|still|often|usually|never|always) )?(\S+)(.*)$/);
  return `you ${adverb}${secondPerson(verb)}${rest}`;
}

function secondPerson(verb) {
  const irregular = { is: "are", was: "were", has: "have", does: "do", "doesn't": "don't", "isn't": "aren't", "wasn't": "weren't" };
  if (irregular[verb]) return irregular[verb];
  if (/[^aeiou]ies$/.test(verb)) return verb.slice(0, -3) + "y"; // carries → carry
  if (/(ss|sh|ch|x|z|o)es$/.test(verb)) return verb.slice(0, -2); // watches → watch, goes → go
  if (/[^s]s$/.test(verb)) return verb.slice(0, -1); // lives → live
  return verb; // completed, can, will …
}

/** The words of a question worth searching for: "where I live" → "live". */
function keywords(question) {
  const skip = new Set("a an the i me my mine you your that this what where when who how about is am are was were do did to of in at on for with".split(" "));
  const words = question.toLowerCase().match(/[\p{L}\p{N}'-]+/gu) ?? [];
  return words.filter((w) => !skip.has(w)).join(" ");
}

const joinAnd = (parts) => (parts.length < 2 ? parts.join("") : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`);
const capitalize = (s) => s.charAt(0).toUpperCase() + s.slice(1);
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

// Bram's lines: a small scripted dialogue that reads what Keepsake injected. Nothing here talks to
// the relay: `memories` are the MemoryRecords of session.memories (`memory` is one third-person fact:
// "The user's name is Robin.", "Robin opened the old chest by the well on 2026-05-01."), and `world`
// is the game's own state of this visit. With a language model you would replace reply() with a call
// to it, its system prompt being session.prompt().text (the memories and the conversation so far).

export const EVENTS = { chest: "opened the old chest by the well", quest: "finished the quest The Lost Lantern" };

/** The player's name: said this visit, or remembered. */
export function playerName(memories, world) {
  return world.name ?? memories.map((m) => /^The user's name is (.+)\.$/.exec(m.memory)?.[1]).find(Boolean);
}

const remembered = (memories, text) => memories.some((m) => m.memory.includes(text));

/** Bram's first line when the player walks up to him. */
export function greet(memories, world) {
  const name = playerName(memories, world);
  if (world.hasLantern && !world.questDone) return `My lantern! You found it${name ? `, ${name}` : ""}. Bless you, the nights are long here.`;
  if (world.talked) return name ? `Back again, ${name}?` : "Back again, stranger?";
  if (!name) {
    return memories.length ? "I know your face, but the name escapes me. Remind me?" : "Hello, stranger! I'm Bram, keeper of the well. And you are?";
  }
  if (remembered(memories, EVENTS.quest)) return `Welcome back, ${name}! You finished my quest last time, and bless me if I haven't lost that lantern again. The old chest, I'd wager.`;
  if (remembered(memories, EVENTS.chest)) return `Welcome back, ${name}! Last time you opened the old chest by the well. Was my lantern not in it?`;
  return `Welcome back, ${name}! Still no sign of my lantern… it should be in the old chest by the well.`;
}

/** Bram's answer to what the player typed. */
export function reply(text, memories, world) {
  const introduced = /\b(?:name is|name's|i'm|i am|call me)\s+([A-Z][\p{L}'-]*)/u.exec(text)?.[1];
  if (introduced && introduced !== world.name) {
    world.name = introduced;
    return world.questDone ? `Well met, ${introduced}!` : `Well met, ${introduced}! Would you do an old man a kindness? My lantern is in the old chest by the well. Bring it to me?`;
  }
  const name = playerName(memories, world);
  if (/remember|know about me/i.test(text)) {
    const facts = memories.map((m) => m.memory);
    return facts.length ? `Let me look in my ledger… ${facts.join(" ")}` : "My ledger has nothing on you yet. Tell me about yourself!";
  }
  if (/lantern|chest|quest/i.test(text)) {
    if (world.questDone) return "The lantern's back where it belongs, thanks to you.";
    return world.hasLantern ? "That's it, that's my lantern!" : "The old chest, by the well. Just click it, or press E beside it.";
  }
  if (/\b(bye|farewell|see you)\b/i.test(text)) return `Safe roads${name ? `, ${name}` : ""}.`;
  return "Hm! I'll write that in my ledger.";
}

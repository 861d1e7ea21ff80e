// Wren's memory: a Keepsake session per conversation, her lines from a small script that reads the
// injected memories, and the memory panel kept current by `memoriesUpdated`.
import { KeepsakeClient } from "/dist/keepsake.mjs";
import { createCharacter } from "./character.js";

const $ = (id) => document.getElementById(id);
const wren = createCharacter($("stage"));
const client = new KeepsakeClient({ relayUrl: location.origin, characterId: "wren" });
let session = null;
let shown = new Set(); // ids in the memory panel, to mark the ones that arrive while it is open

// Fresh memories while connected: an ended conversation was extracted, or someone changed them through REST.
client.on("memoriesUpdated", ({ memories, total, context }) => showMemories(memories, total, context, true));
client.on("memoriesInjected", ({ memories, total, context }) => showMemories(memories, total, context));
client.on("sessionProcessed", ({ results }, from) => {
  if (from === session) note(`Wren will remember: ${results.filter((r) => r.event !== "delete").map((r) => r.memory).join(" ") || "nothing new."}`);
});
client.on("error", showError);

async function start() {
  setTalking(false);
  $("chat").replaceChildren();
  session = await client.connect(); // resolves once this player's memories are injected
  await wrenSays(greeting(session.memories));
  setTalking(true);
}

function greeting(memories) {
  const name = memories.map((m) => /^The user's name is (.+)\.$/.exec(m.memory)?.[1]).find(Boolean);
  const fact = memories.find((m) => !m.memory.startsWith("The user's name"))?.memory;
  if (!name) return memories.length ? "Have we met? Your face is on one of my maps… what was your name?" : "Oh, a new face! I'm Wren, I map the coast. Who are you?";
  return `Welcome back, ${name}!${fact ? ` I still have it in my notes: ${fact}` : " Where have your travels taken you?"}`;
}

/** Wren's scripted answer. With a language model, send session.prompt().text as its system prompt instead. */
async function reply(text) {
  const name = /\b(?:name is|name's|i'm|i am|call me)\s+([A-Z][\p{L}'-]*)/u.exec(text)?.[1];
  if (name) return `Lovely to meet you, ${name}! I'll put you on my map.`;
  if (/what do you (remember|know)/i.test(text)) {
    return session.memories.length ? `My notes say: ${session.memories.map((m) => m.memory).join(" ")}` : "My notes on you are blank, for now.";
  }
  const asked = /do you remember (.+?)[?.!]*$/i.exec(text)?.[1];
  if (asked) {
    const [best] = await session.search(asked, 1); // ranked recall from everything she remembers of you
    return best ? `Of course: ${best.memory}` : "Hmm, that's not on any of my maps.";
  }
  return "Noted, in the margins of my map.";
}

async function wrenSays(text) {
  await session.recordCharacterTurn(text);
  chatLine("wren", text);
  wren.talk(text);
}

$("talk").addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = $("say").value.trim();
  $("say").value = "";
  if (!text) return;
  try {
    await session.recordUserTurn(text);
    chatLine("you", text);
    await wrenSays(await reply(text));
  } catch (error) {
    showError(error);
  }
});

$("end").addEventListener("click", async () => {
  setTalking(false);
  try {
    const { status } = await session.end(); // the session stays open: the memories it leaves arrive on memoriesUpdated
    note(`conversation saved (${status}); Wren is writing it in her notes…`);
  } catch (error) {
    showError(error); // the SDK keeps the transcript and retries by itself
  }
  $("again").hidden = false;
});
$("again").addEventListener("click", () => start().catch(showError));

// ---- the page ----
function showMemories(memories, total, context, live = false) {
  $("total").textContent = `(${total})`;
  $("memories").replaceChildren(...memories.map((m) => {
    const li = document.createElement("li");
    li.textContent = m.memory;
    if (live && !shown.has(m.id)) li.className = "new";
    const meta = document.createElement("small");
    meta.textContent = [m.scope.kind === "pair" ? "about you" : m.scope.kind, m.pinned && "pinned", new Date(m.updatedAt).toLocaleString()].filter(Boolean).join(" · ");
    li.append(meta);
    return li;
  }));
  if (!memories.length) $("memories").innerHTML = '<li class="empty">Nothing yet. Tell Wren about yourself, then end the conversation.</li>';
  shown = new Set(memories.map((m) => m.id));
  $("context").textContent = context || "(empty)";
  if (live) $("updated").textContent = `updated live at ${new Date().toLocaleTimeString()}`;
}

function chatLine(who, text) {
  const li = document.createElement("li");
  li.className = who;
  li.textContent = text;
  $("chat").append(li);
  $("chat").scrollTop = $("chat").scrollHeight;
}
const note = (text) => chatLine("note", text);

function setTalking(on) {
  for (const el of [$("say"), $("talk").querySelector("button"), $("end")]) el.disabled = !on;
  $("again").hidden = true;
  if (on) $("say").focus();
}

function showError(error) {
  console.error(error);
  note(`${error.code ?? error.name}: ${error.message}`);
}

start().catch(showError);

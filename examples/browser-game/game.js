// A tiny canvas game with memory: walk up to Bram and talk; open the chest and bring him his lantern.
// Keepsake's part is the few lines marked "Keepsake:"; the rest is the game.
import { KeepsakeClient } from "/dist/keepsake.mjs";
import { EVENTS, greet, playerName, reply } from "./dialogue.js";

const $ = (id) => document.getElementById(id);
const canvas = $("world");
const ctx = canvas.getContext("2d");

// ---- the world (canvas pixels) ----
const W = canvas.width, H = canvas.height;
const npc = { x: 700, y: 262 };
const chest = { x: 250, y: 236 };
const well = { x: 170, y: 190 };
const player = { x: 70, y: 450, target: null, then: null };
const TALK_RADIUS = 90, REACH = 48, SPEED = 340; // px, px, px a second
const world = { name: undefined, talked: false, chestOpen: false, hasLantern: false, questDone: false };
const keys = new Set();

// ---- Keepsake: one client for Bram; one session per conversation, and the events between them ----
const client = new KeepsakeClient({ relayUrl: location.origin, characterId: "bram" });
let session = client.connect(); // a promise: resolves once the player's memories are injected
session.catch(showError);
let talking = false;
let memories = []; // what the current session was injected with, kept current

const remember = (payload) => { memories = payload.memories; showRemembered(memories.length); };
client.on("memoriesInjected", remember);
client.on("memoriesUpdated", remember); // e.g. an ended conversation was extracted
client.on("error", showError);

async function startConversation() {
  talking = true;
  $("chat").replaceChildren();
  $("dialogue").hidden = false;
  const s = await session;
  const line = greet(s.memories, world);
  world.talked = true;
  await npcSays(line);
  if (world.hasLantern && !world.questDone) {
    world.questDone = true;
    world.hasLantern = false;
    showQuest();
    await gameEvent(EVENTS.quest);
  }
  if (talking) $("say").focus();
}

/** Walking away ends the session: the relay extracts what Bram should remember; the next one starts at once. */
function endConversation() {
  talking = false;
  $("dialogue").hidden = true;
  session = session.then(async (s) => {
    if (s.turnCount > 0) await s.end().catch(showError); // on failure the SDK keeps it and retries by itself
    return client.connect();
  });
  session.catch(showError);
}
// Closing the page needs no code: the SDK sends the turns it holds on `pagehide`, and the next
// visit's connect() ends that session (or the relay does, once it has been idle).

async function npcSays(text) {
  await (await session).recordCharacterTurn(text);
  chatLine("npc", text);
}

async function playerSays(text) {
  const s = await session;
  await s.recordUserTurn(text);
  chatLine("you", text);
  await npcSays(reply(text, s.memories, world));
}

/** Something the player did: recorded as an event turn, extracted as "Robin opened the old chest…". */
async function gameEvent(text) {
  await (await session).recordEvent(text);
  toast(`★ ${text}`);
}

function openChest() {
  if (world.chestOpen) return;
  world.chestOpen = true;
  if (!world.questDone) world.hasLantern = true;
  showQuest();
  gameEvent(EVENTS.chest).catch(showError);
}

// ---- input: arrow keys / WASD, click to walk (on Bram: talk; on the chest: open it), E beside the chest ----
const DIRS = { ArrowUp: [0, -1], KeyW: [0, -1], ArrowDown: [0, 1], KeyS: [0, 1], ArrowLeft: [-1, 0], KeyA: [-1, 0], ArrowRight: [1, 0], KeyD: [1, 0] };
addEventListener("keydown", (e) => {
  if (e.target instanceof HTMLInputElement) {
    if (e.key === "Escape") e.target.blur();
    return;
  }
  if (DIRS[e.code]) { keys.add(e.code); player.target = null; e.preventDefault(); }
  if (e.code === "KeyE" && near(chest, REACH + 10)) openChest();
});
addEventListener("keyup", (e) => keys.delete(e.code));
addEventListener("blur", () => keys.clear());

canvas.addEventListener("click", (e) => {
  const r = canvas.getBoundingClientRect();
  const at = { x: (e.clientX - r.left) * (W / r.width), y: (e.clientY - r.top) * (H / r.height) };
  if (dist(at, chest) < 30) {
    player.target = { x: chest.x + 40, y: chest.y + 12 };
    player.then = openChest;
  } else if (dist(at, npc) < 40) {
    player.target = { x: npc.x - 20, y: npc.y + 64 };
    player.then = null;
  } else {
    player.target = at;
    player.then = null;
  }
});

$("talk").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("say").value.trim();
  $("say").value = "";
  if (text) playerSays(text).catch(showError);
});
$("leave").addEventListener("click", () => { player.target = { x: npc.x - 200, y: npc.y + 150 }; player.then = null; });

// ---- the loop ----
let last = performance.now();
requestAnimationFrame(function frame(now) {
  const dt = Math.min(0.05, (now - last) / 1000);
  last = now;
  move(dt);
  const inRange = near(npc, TALK_RADIUS);
  if (inRange && !talking) startConversation().catch(showError);
  if (!inRange && talking) endConversation();
  draw(now / 1000);
  requestAnimationFrame(frame);
});

function move(dt) {
  let dx = 0, dy = 0;
  for (const k of keys) { dx += DIRS[k][0]; dy += DIRS[k][1]; }
  if (!dx && !dy && player.target) {
    dx = player.target.x - player.x;
    dy = player.target.y - player.y;
    if (Math.hypot(dx, dy) < SPEED * dt) {
      Object.assign(player, player.target, { target: null });
      const then = player.then;
      player.then = null;
      then?.();
      return;
    }
  }
  const len = Math.hypot(dx, dy);
  if (!len) return;
  player.x = Math.max(20, Math.min(W - 20, player.x + (dx / len) * SPEED * dt));
  player.y = Math.max(40, Math.min(H - 20, player.y + (dy / len) * SPEED * dt));
}

const dist = (a, b) => Math.hypot(a.x - b.x, a.y - b.y);
const near = (thing, radius) => dist(player, thing) < radius;

// ---- drawing ----
function draw(t) {
  ctx.fillStyle = "#6f9e4f";
  ctx.fillRect(0, 0, W, H);
  for (let i = 0; i < 70; i++) { // grass tufts, the same every frame
    ctx.fillStyle = i % 2 ? "#5f8e43" : "#80ad5c";
    ctx.fillRect((i * 137) % W, (i * 89 + (i % 7) * 31) % H, 6, 3);
  }
  // the path from the west edge to Bram's door
  ctx.strokeStyle = "#cfb07a";
  ctx.lineWidth = 46;
  ctx.lineCap = ctx.lineJoin = "round";
  ctx.beginPath();
  ctx.moveTo(-30, 450); ctx.quadraticCurveTo(360, 470, 520, 360); ctx.quadraticCurveTo(610, 300, 700, 300);
  ctx.stroke();
  drawHut(740, 90);
  for (const [x, y, r] of [[90, 90, 40], [880, 420, 46], [940, 250, 34], [420, 90, 30], [560, 500, 28]]) drawTree(x, y, r);
  drawWell();
  drawChest();
  // talk radius, faintly, so the player sees where to stand
  ctx.strokeStyle = talking ? "rgba(255,240,170,.7)" : "rgba(255,255,255,.25)";
  ctx.lineWidth = 2;
  ctx.setLineDash([6, 8]);
  ctx.beginPath(); ctx.arc(npc.x, npc.y, TALK_RADIUS, 0, Math.PI * 2); ctx.stroke();
  ctx.setLineDash([]);
  const figures = [
    { ...npc, body: "#7b4a2a", head: "#e9c29b", label: "Bram", bob: Math.sin(t * 2) * 1.5, beard: true },
    { ...player, body: "#2d5fa8", head: "#f1cfa9", label: playerName(memories, world) ?? "You", bob: 0, lantern: world.hasLantern },
  ].sort((a, b) => a.y - b.y);
  for (const f of figures) drawFigure(f, t);
}

function drawFigure({ x, y, body, head, label, bob, beard, lantern }, t) {
  ctx.fillStyle = "rgba(0,0,0,.2)";
  ctx.beginPath(); ctx.ellipse(x, y + 4, 16, 6, 0, 0, Math.PI * 2); ctx.fill();
  ctx.fillStyle = body;
  ctx.beginPath(); ctx.roundRect(x - 13, y - 30 + bob, 26, 32, 9); ctx.fill();
  ctx.fillStyle = head;
  ctx.beginPath(); ctx.arc(x, y - 40 + bob, 12, 0, Math.PI * 2); ctx.fill();
  if (beard) { ctx.fillStyle = "#ddd"; ctx.beginPath(); ctx.arc(x, y - 34 + bob, 8, 0, Math.PI); ctx.fill(); }
  ctx.fillStyle = "#222";
  ctx.fillRect(x - 5, y - 43 + bob, 3, 3); ctx.fillRect(x + 2, y - 43 + bob, 3, 3);
  if (lantern) drawLantern(x + 20, y - 18, t);
  ctx.font = "600 13px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.fillStyle = "rgba(0,0,0,.45)";
  ctx.fillText(label, x + 1, y - 59 + bob);
  ctx.fillStyle = "#fff";
  ctx.fillText(label, x, y - 60 + bob);
}

function drawHut(x, y) {
  ctx.fillStyle = "#a8744a"; ctx.fillRect(x - 90, y, 180, 120);
  ctx.fillStyle = "#7a3b2e";
  ctx.beginPath(); ctx.moveTo(x - 110, y + 4); ctx.lineTo(x, y - 60); ctx.lineTo(x + 110, y + 4); ctx.fill();
  ctx.fillStyle = "#5a3a22"; ctx.fillRect(x - 58, y + 56, 34, 64); // the door
  ctx.fillStyle = "#f3dc8a"; ctx.fillRect(x + 20, y + 40, 36, 28); // a window
  if (world.questDone) drawLantern(x - 70, y + 60, performance.now() / 1000);
}

function drawTree(x, y, r) {
  ctx.fillStyle = "#6b4a2b"; ctx.fillRect(x - 5, y, 10, r * 0.8);
  ctx.fillStyle = "#3f7a34"; ctx.beginPath(); ctx.arc(x, y, r, 0, Math.PI * 2); ctx.fill();
  ctx.fillStyle = "#4d8c3e"; ctx.beginPath(); ctx.arc(x - r / 3, y - r / 3, r / 2, 0, Math.PI * 2); ctx.fill();
}

function drawWell() {
  ctx.fillStyle = "#9a9a9a"; ctx.beginPath(); ctx.arc(well.x, well.y, 34, 0, Math.PI * 2); ctx.fill();
  ctx.fillStyle = "#2c4a6a"; ctx.beginPath(); ctx.arc(well.x, well.y, 22, 0, Math.PI * 2); ctx.fill();
}

function drawChest() {
  const { x, y } = chest;
  ctx.fillStyle = "#8a5a2b"; ctx.fillRect(x - 20, y - 14, 40, 26);
  ctx.fillStyle = "#d9b43c"; ctx.fillRect(x - 20, y - 4, 40, 4); ctx.fillRect(x - 3, y - 6, 6, 8);
  ctx.fillStyle = "#6d4420";
  if (world.chestOpen) ctx.fillRect(x - 20, y - 30, 40, 12); // the lid, up
  else { ctx.beginPath(); ctx.roundRect(x - 21, y - 22, 42, 12, [8, 8, 0, 0]); ctx.fill(); }
  if (!world.chestOpen && near(chest, REACH + 10)) {
    ctx.fillStyle = "#fff"; ctx.font = "12px system-ui, sans-serif"; ctx.textAlign = "center";
    ctx.fillText("E: open", x, y - 32);
  }
}

function drawLantern(x, y, t) {
  ctx.fillStyle = `rgba(255,210,90,${0.25 + 0.1 * Math.sin(t * 6)})`;
  ctx.beginPath(); ctx.arc(x, y, 16, 0, Math.PI * 2); ctx.fill();
  ctx.fillStyle = "#333"; ctx.fillRect(x - 5, y - 8, 10, 16);
  ctx.fillStyle = "#ffd45a"; ctx.fillRect(x - 3, y - 5, 6, 10);
}

// ---- the page around the canvas ----
function chatLine(who, text) {
  const li = document.createElement("li");
  li.className = who;
  li.textContent = text;
  $("chat").append(li);
  $("chat").scrollTop = $("chat").scrollHeight;
}

let toastTimer;
function toast(text) {
  $("toast").textContent = text;
  $("toast").hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => ($("toast").hidden = true), 3000);
}

function showQuest() {
  $("quest").textContent = world.questDone ? "The Lost Lantern: done ✓"
    : world.hasLantern ? "The Lost Lantern: take it back to Bram" : "The Lost Lantern: find it in the old chest by the well";
}

function showRemembered(n) {
  $("remembers").textContent = n ? `Bram remembers ${n} thing${n === 1 ? "" : "s"} about you` : "Bram has never met you";
}

function showError(error) {
  console.error(error);
  $("toast").textContent = `${error.code ?? error.name}: ${error.message}`;
  $("toast").hidden = false;
}

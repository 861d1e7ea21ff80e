// Keepsake's memory inspector: one static page over the relay's REST API, with the admin key.
// Players (GET /v1/users), and for one player everything their export holds: the characters they
// talk to, their memories with scope, pinned and sources (the turns they came from, shown beside
// them), each memory's history, their sessions with transcripts and summaries; the shared stores
// they use and their characters' knowledge, whole. Search filters what is loaded; edit, pin and
// delete go through PATCH and DELETE. Text from the relay is only ever put in as text nodes.

const KEY = "keepsake.inspector.adminKey";
const PLAYERS_PAGE = 50;
/** a store's or a character's memories are listed up to this many pages of 100 */
const MAX_PAGES = 20;
const MEMORY_CHARS = 1000; // LIMITS.memoryChars

const $ = (id) => document.getElementById(id);
const enc = encodeURIComponent;

/** An element with attributes, listeners (`onclick`) and children; a string child is a text node, never HTML. */
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "value") el.value = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
function time(iso) {
  if (!iso) return h("span", { class: "muted" }, "never");
  const d = new Date(iso);
  return h("time", { datetime: iso, title: iso }, Number.isNaN(d.getTime()) ? iso : dateFormat.format(d));
}

// ---- REST ----

class ApiError extends Error {
  constructor(status, code, message) {
    super(`${code}: ${message}`);
    this.status = status;
    this.code = code;
  }
}

/** One REST call with the key as the bearer (none when there is none: open mode). */
async function api(method, path, body, key = sessionStorage.getItem(KEY)) {
  const headers = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, "E_NETWORK", `the relay did not answer (${e.message})`);
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, data?.code ?? `HTTP ${res.status}`, data?.message ?? res.statusText);
  return data;
}

/** Every memory of a scope's REST path, page by page (at most MAX_PAGES pages). */
async function listAll(path) {
  const all = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const r = await api("GET", `${path}?page=${page}&pageSize=100`);
    all.push(...r.memories);
    if (!r.hasMore) break;
  }
  return all;
}

function scopePath(scope) {
  if (scope.kind === "pair") return `/v1/users/${enc(scope.endUserId)}/characters/${enc(scope.characterId)}/memories`;
  if (scope.kind === "store") return `/v1/stores/${enc(scope.store)}/memories`;
  return `/v1/characters/${enc(scope.characterId)}/memories`;
}

function scopeLabel(scope) {
  if (scope.kind === "pair") return `private with ${scope.characterId}`;
  if (scope.kind === "store") return `shared store ${scope.store}`;
  return `character knowledge of ${scope.characterId}`;
}

// ---- messages ----

let statusTimer;
function say(text) {
  clearTimeout(statusTimer);
  $("status").textContent = text;
  statusTimer = setTimeout(() => ($("status").textContent = ""), 6000);
}
function warn(text) {
  $("alert").textContent = text;
}

/** A failed call: a refused key goes back to the prompt; anything else is said. */
function fail(e, doing) {
  if (e instanceof ApiError && e.status === 401) return showLogin(`The relay refused the key (${e.message}).`);
  const hint = e instanceof ApiError && e.status === 403 && /origin/.test(e.message)
    ? " Add this page's origin to KEEPSAKE_ALLOWED_ORIGINS." : "";
  warn(`Could not ${doing}: ${e.message}.${hint}`);
}

// ---- the key ----

function showLogin(message = "") {
  sessionStorage.removeItem(KEY);
  state.player = null;
  $("player").replaceChildren();
  $("player").hidden = true;
  $("app").hidden = true;
  $("forget").hidden = true;
  $("mode").hidden = true;
  $("login").hidden = false;
  warn(message);
  $("key").value = "";
  $("key").focus();
}

async function login(key) {
  warn("");
  // the key is tried on the players list before it is kept
  try {
    await loadPlayers(true, key);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      sessionStorage.removeItem(KEY);
      warn(key ? `The relay refused this key (${e.message}).` : `This relay needs its admin key (${e.message}).`);
      $("key").focus();
      return;
    }
    $("login").hidden = false;
    return fail(e, "list the players");
  }
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
  $("login").hidden = true;
  $("app").hidden = false;
  $("forget").hidden = !key;
  $("mode").hidden = false;
  $("mode").textContent = key
    ? "Admin key in use (kept in this tab only)."
    : "Open mode: this relay has no KEEPSAKE_ADMIN_KEY, so its REST API is open to anyone who reaches it. Development only.";
  $("mode").classList.toggle("open", !key);
  const wanted = hashPlayer();
  if (wanted) await openPlayer(wanted);
}

// ---- players ----

const state = {
  users: [], cursor: null,
  /** the player shown: their export, and what was loaded around it */
  player: null,
  /** loads of a player overtaken by another are dropped */
  loads: 0,
};

function activityQuery() {
  const [kind, days] = $("activity").value.split(":");
  if (!kind) return "";
  const since = new Date(Date.now() - Number(days) * 86_400_000).toISOString();
  return `&${kind === "active" ? "activeSince" : "inactiveSince"}=${enc(since)}`;
}

async function loadPlayers(reset, key) {
  const cursor = reset ? "" : `&cursor=${enc(state.cursor)}`;
  const r = await api("GET", `/v1/users?limit=${PLAYERS_PAGE}${cursor}${activityQuery()}`, undefined, key);
  state.users = reset ? r.users : [...state.users, ...r.users];
  state.cursor = r.nextCursor;
  renderPlayers();
}

/** A player's name from their metadata, "" without one (a user of the list or an export). */
const nameOf = (u) => (typeof u.metadata?.name === "string" ? u.metadata.name : "");

function renderPlayers() {
  const q = $("player-filter").value.trim().toLowerCase();
  const shown = state.users.filter((u) => !q || u.endUserId.toLowerCase().includes(q) || nameOf(u).toLowerCase().includes(q));
  const current = state.player?.id;
  $("player-list").replaceChildren(...shown.map((u) => h("li", {},
    h("button", { type: "button", class: "player-button", "aria-current": u.endUserId === current ? "true" : undefined, onclick: () => choosePlayer(u.endUserId) },
      h("span", { class: "player-id" }, u.endUserId),
      nameOf(u) && h("span", { class: "player-name" }, nameOf(u)),
      h("span", { class: "player-seen" }, "last active ", time(u.lastActiveAt))))));
  $("player-count").textContent = state.users.length === 0
    ? ($("activity").value ? "No player matches this activity filter." : "No players: a player is listed once one of their sessions connects.")
    : `${shown.length} of ${state.users.length} loaded${state.cursor ? ", more on the relay" : ""}`;
  $("more").hidden = !state.cursor;
}

/** The player the address's hash names (`#player=…`), if any. */
const hashPlayer = () => new URLSearchParams(location.hash.slice(1)).get("player");

function choosePlayer(id) {
  const hash = `#player=${enc(id)}`;
  if (location.hash === hash) openPlayer(id);
  else location.hash = hash; // hashchange opens it; back and forward work
}

// ---- one player ----

const unique = (xs) => [...new Set(xs)].sort();

async function openPlayer(id) {
  const load = ++state.loads;
  const section = $("player");
  section.hidden = false;
  section.setAttribute("aria-busy", "true");
  warn("");
  say(`Loading ${id}…`);
  try {
    const data = await api("GET", `/v1/users/${enc(id)}/export`);
    const characters = unique([
      ...data.memories.filter((m) => m.scope.kind === "pair").map((m) => m.scope.characterId),
      ...data.sessions.map((s) => s.characterId),
    ]);
    const stores = unique([
      ...data.sessions.flatMap((s) => s.memoryStores ?? []),
      ...data.memories.filter((m) => m.scope.kind === "store").map((m) => m.scope.store),
    ]);
    // the shared stores and the characters' knowledge whole (the export has only the player's part)
    const [storeLists, knowledge, settings] = await Promise.all([
      Promise.all(stores.map((s) => listAll(scopePath({ kind: "store", store: s })))),
      Promise.all(characters.map((c) => listAll(scopePath({ kind: "character", characterId: c })))),
      Promise.all(characters.map((c) => api("GET", `/v1/characters/${enc(c)}/settings`))),
    ]);
    if (load !== state.loads) return;
    const memories = new Map();
    for (const { history: _history, ...m } of data.memories) memories.set(m.id, m);
    for (const m of [...storeLists.flat(), ...knowledge.flat()]) memories.set(m.id, m);
    const turns = new Map(data.sessions.map((s) => [s.sessionId, new Map(s.transcript.map((t) => [t.seq, t]))]));
    // a reload keeps the filters
    const before = state.player?.id === id ? state.player : null;
    state.player = {
      id, data, memories, turns, characters,
      settings: new Map(characters.map((c, i) => [c, settings[i]])),
      character: characters.includes(before?.character) ? before.character : "", query: before?.query ?? "",
      editing: new Set(), history: new Map(),
    };
    renderPlayer();
    renderPlayers();
    say(`${id}: ${memories.size} memories, ${data.sessions.length} sessions.`);
    section.focus();
  } catch (e) {
    if (load !== state.loads) return;
    state.player = null;
    section.replaceChildren(h("h2", { id: "player-title" }, id));
    if (e instanceof ApiError && e.status === 404) section.append(h("p", {}, `The relay keeps nothing about ${id}.`));
    else fail(e, `open ${id}`);
  } finally {
    if (load === state.loads) section.removeAttribute("aria-busy");
  }
}

function renderPlayer() {
  const p = state.player;
  const { data } = p;
  const name = nameOf(data);
  const meta = Object.keys(data.metadata ?? {}).length ? JSON.stringify(data.metadata) : "";
  $("player").replaceChildren(
    h("div", { class: "player-head" },
      h("h2", { id: "player-title" }, data.endUserId, name && h("span", { class: "player-name" }, ` (${name})`)),
      h("div", { class: "actions" },
        h("button", { type: "button", onclick: () => openPlayer(p.id) }, "Reload"),
        h("button", { type: "button", onclick: () => download(p) }, "Download the export")),
      h("p", { class: "muted" }, "Last active ", time(data.lastActiveAt), meta && ` · metadata ${meta}`)),
    h("div", { class: "toolbar" },
      h("div", { role: "group", "aria-label": "Character", class: "characters" },
        h("span", { class: "label" }, "Character:"),
        characterButton("", "All"),
        p.characters.map((c) => characterButton(c, c))),
      h("label", { for: "search" }, "Search memories"),
      h("input", { id: "search", type: "search", value: p.query, autocomplete: "off", oninput: (e) => { p.query = e.target.value; renderMemories(); } })),
    h("section", { "aria-labelledby": "memories-title" },
      h("h3", { id: "memories-title" }, "Memories"),
      h("p", { id: "memory-count", class: "muted", "aria-live": "polite" }),
      h("div", { id: "memories" })),
    h("section", { "aria-labelledby": "sessions-title" },
      h("h3", { id: "sessions-title" }, "Sessions"),
      h("div", { id: "sessions" })),
    data.deletedMemories.length > 0 && h("section", { "aria-labelledby": "deleted-title" },
      h("h3", { id: "deleted-title" }, "Deleted memories"),
      h("p", { class: "muted" }, "Their history is kept until the player is erased."),
      h("ul", { class: "deleted" }, data.deletedMemories.map((d) => h("li", {},
        h("details", {}, h("summary", {}, d.history.at(-1)?.memory ?? d.id), historyList(d.history)))))),
  );
  renderMemories();
  renderSessions();
}

function characterButton(c, label) {
  const p = state.player;
  const off = c && p.settings.get(c)?.memoryEnabled === false;
  return h("button", {
    type: "button", class: "chip", "aria-pressed": String(p.character === c),
    onclick: () => { p.character = c; renderPlayer(); $("player").querySelector(`.chip[aria-pressed="true"]`)?.focus(); },
  }, label, off && h("span", { class: "badge off" }, "memory off"));
}

/** The stores the player's sessions with `c` use. */
function storesOf(c) {
  return new Set(state.player.data.sessions.filter((s) => s.characterId === c).flatMap((s) => s.memoryStores ?? []));
}

function visibleMemories() {
  const p = state.player;
  const q = p.query.trim().toLowerCase();
  const stores = p.character ? storesOf(p.character) : null;
  return [...p.memories.values()].filter((m) => {
    if (p.character) {
      if (m.scope.kind === "store" ? !stores.has(m.scope.store) : m.scope.characterId !== p.character) return false;
    }
    return !q || m.memory.toLowerCase().includes(q) || m.id.toLowerCase() === q;
  });
}

/** Groups: private memories by character, then shared stores, then character knowledge; pinned first, newest next. */
const ORDER = { pair: 0, store: 1, character: 2 };
function groupKey(m) {
  const s = m.scope;
  return `${ORDER[s.kind]}:${s.kind === "store" ? s.store : s.characterId}`;
}

function renderMemories() {
  const p = state.player;
  const shown = visibleMemories().sort((a, b) =>
    groupKey(a).localeCompare(groupKey(b)) || Number(b.pinned) - Number(a.pinned) || b.updatedAt.localeCompare(a.updatedAt));
  const groups = new Map();
  for (const m of shown) {
    const key = groupKey(m);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(m);
  }
  $("memory-count").textContent = `${shown.length} of ${p.memories.size} memories${p.query.trim() ? ` match "${p.query.trim()}"` : ""}`;
  $("memories").replaceChildren(...[...groups.values()].map((list) => h("section", { class: "group" },
    h("h4", {}, groupTitle(list[0].scope), h("span", { class: "muted" }, ` (${list.length})`)),
    list.map(memoryCard))));
}

function groupTitle(scope) {
  if (scope.kind === "pair") return `Private memories with ${scope.characterId}`;
  if (scope.kind === "store") return `Shared store ${scope.store}: every member's`;
  return `Character knowledge of ${scope.characterId}: read by every player`;
}

const domId = (prefix, id) => `${prefix}-${id.replace(/[^\w-]/g, "_")}`;

function memoryCard(m) {
  const p = state.player;
  const textId = domId("m", m.id), historyId = domId("h", m.id);
  const editing = p.editing.has(m.id);
  const history = p.history.get(m.id);
  const button = (action, label, onclick, extra = {}) =>
    h("button", { type: "button", "data-action": action, "aria-describedby": textId, onclick, ...extra }, label);
  return h("article", { class: `memory${m.pinned ? " pinned" : ""}`, "data-id": m.id },
    editing ? editForm(m, textId) : h("p", { class: "memory-text", id: textId }, m.memory),
    sourcesOf(m),
    h("div", { class: "foot" },
      h("p", { class: "meta" },
        h("span", { class: `badge scope-${m.scope.kind}` }, scopeLabel(m.scope)),
        m.pinned && h("span", { class: "badge pin" }, "pinned"),
        m.expiresAt && h("span", { class: "badge expires" }, "session memory until ", time(m.expiresAt)),
        h("span", {}, "updated ", time(m.updatedAt))),
      !editing && h("div", { class: "actions" },
        button("edit", "Edit", () => { p.editing.add(m.id); redraw(m.id, "textarea"); }),
        button("pin", m.pinned ? "Unpin" : "Pin", () => patch(m, { pinned: !m.pinned }, m.pinned ? "Unpinned." : "Pinned.", "pin"),
          { "aria-pressed": String(m.pinned) }),
        button("history", history ? "Hide history" : "History", () => toggleHistory(m), { "aria-expanded": String(Boolean(history)), "aria-controls": historyId }),
        button("delete", "Delete", () => remove(m), { class: "danger" }))),
    h("div", { id: historyId, class: "history", hidden: !history },
      history && h("h5", {}, "History of memory ", h("code", {}, m.id)),
      history === "loading" ? h("p", { class: "muted" }, "Loading…") : Array.isArray(history) && historyList(history)));
}

function sourcesOf(m) {
  if (!m.sources.length) return h("p", { class: "sources muted" }, "Added through REST: no source turns.");
  const p = state.player;
  return h("div", { class: "sources" },
    h("span", { class: "label" }, "From"),
    h("ul", {}, m.sources.map((s) => {
      const turns = p.turns.get(s.sessionId);
      const session = turns
        ? h("button", { type: "button", class: "link", onclick: () => showSession(s.sessionId) }, h("code", {}, s.sessionId))
        : h("code", {}, s.sessionId);
      return h("li", {}, "session ", session, !turns && h("span", { class: "muted" }, " (another player's)"),
        h("ul", { class: "turns" }, s.seq.map((seq) => {
          const t = turns?.get(seq);
          if (!t) return h("li", { class: "muted" }, `turn ${seq}${turns ? " (transcript purged)" : ""}`);
          return h("li", { class: "turn" }, h("span", { class: "seq" }, `#${seq} ${t.role}`), " ", h("q", {}, t.text));
        })));
    })));
}

function historyList(entries) {
  if (!entries.length) return h("p", { class: "muted" }, "No changes recorded.");
  return h("ol", { class: "history-list" }, entries.map((e) => h("li", {},
    h("span", { class: `event ev-${e.event}` }, e.event), " ", time(e.at),
    h("span", { class: "muted" }, e.sessionId ? [" by session ", h("code", {}, e.sessionId)] : e.event === "delete" ? " through REST or expiry" : " through REST"),
    h("div", {}, h("q", {}, e.memory)),
    e.previous && h("div", { class: "muted" }, "was ", h("q", {}, e.previous)))));
}

function editForm(m, textId) {
  const p = state.player;
  const cancel = () => { p.editing.delete(m.id); redraw(m.id, '[data-action="edit"]'); };
  return h("form", {
    class: "edit",
    onsubmit: async (e) => {
      e.preventDefault();
      const text = e.target.elements.memory.value.trim();
      if (!text) return warn("A memory needs some text; delete it instead.");
      if (text === m.memory) return cancel();
      await patch(m, { memory: text }, "Saved.", "edit");
    },
    onkeydown: (e) => { if (e.key === "Escape") { e.preventDefault(); cancel(); } },
  },
  h("label", { for: textId }, "Memory text"),
  h("textarea", { id: textId, name: "memory", rows: 3, maxlength: MEMORY_CHARS, required: true, value: m.memory }),
  h("div", { class: "actions" },
    h("button", { type: "submit" }, "Save"),
    h("button", { type: "button", onclick: cancel }, "Cancel")));
}

/** The card of memory `id` as drawn now. */
const cardOf = (id) => $("memories").querySelector(`article[data-id="${CSS.escape(id)}"]`);

/** Draws one memory's card again, and focuses `focus` in it. */
function redraw(id, focus) {
  const old = cardOf(id);
  const m = state.player.memories.get(id);
  if (!old || !m) return;
  const card = memoryCard(m);
  old.replaceWith(card);
  if (focus) card.querySelector(focus)?.focus();
}

async function patch(m, body, done, action) {
  warn("");
  try {
    const updated = await api("PATCH", `${scopePath(m.scope)}/${enc(m.id)}`, body);
    const p = state.player;
    p.memories.set(m.id, updated);
    p.editing.delete(m.id);
    if (p.history.has(m.id)) await loadHistory(updated, false);
    redraw(m.id, `[data-action="${action}"]`);
    say(done);
  } catch (e) {
    // an edit's form stays as typed
    fail(e, "change the memory");
  }
}

async function loadHistory(m, draw = true) {
  const p = state.player;
  try {
    const { history } = await api("GET", `/v1/memories/${enc(m.id)}/history`);
    p.history.set(m.id, history);
  } catch (e) {
    p.history.delete(m.id);
    fail(e, "read the history");
  }
  if (draw) redraw(m.id, '[data-action="history"]');
}

function toggleHistory(m) {
  const p = state.player;
  if (p.history.has(m.id)) {
    p.history.delete(m.id);
    return redraw(m.id, '[data-action="history"]');
  }
  p.history.set(m.id, "loading");
  redraw(m.id, '[data-action="history"]');
  return loadHistory(m);
}

/** Asks in a modal dialog; resolves true for Delete. */
function confirmDelete(text) {
  const dialog = $("confirm");
  $("confirm-text").replaceChildren(h("q", {}, text));
  return new Promise((resolve) => {
    const close = (answer) => () => dialog.close(answer);
    const yes = close("delete"), no = close("cancel");
    $("confirm-yes").addEventListener("click", yes);
    $("confirm-no").addEventListener("click", no);
    dialog.addEventListener("close", () => {
      $("confirm-yes").removeEventListener("click", yes);
      $("confirm-no").removeEventListener("click", no);
      resolve(dialog.returnValue === "delete");
    }, { once: true });
    dialog.returnValue = "";
    dialog.showModal();
  });
}

async function remove(m) {
  if (!(await confirmDelete(m.memory))) return redraw(m.id, '[data-action="delete"]');
  warn("");
  try {
    await api("DELETE", `${scopePath(m.scope)}/${enc(m.id)}`);
  } catch (e) {
    return fail(e, "delete the memory");
  }
  const p = state.player;
  const card = cardOf(m.id);
  const next = card?.nextElementSibling ?? card?.previousElementSibling;
  p.memories.delete(m.id);
  p.history.delete(m.id);
  renderMemories();
  // focus stays near where it was
  const target = next?.dataset.id && cardOf(next.dataset.id)?.querySelector('[data-action="delete"]');
  (target ?? $("search")).focus();
  say("Deleted.");
}

// ---- sessions ----

function renderSessions() {
  const p = state.player;
  const list = p.data.sessions
    .filter((s) => !p.character || s.characterId === p.character)
    .sort((a, b) => (b.endedAt ?? "\uffff").localeCompare(a.endedAt ?? "\uffff"));
  $("sessions").replaceChildren(list.length
    ? h("ul", { class: "sessions" }, list.map((s) => h("li", {}, sessionView(s))))
    : h("p", { class: "muted" }, "No sessions."));
}

function sessionView(s) {
  const details = h("details", { class: "session", id: domId("s", s.sessionId) },
    h("summary", {},
      h("code", {}, s.sessionId), " with ", h("strong", {}, s.characterId), " · ",
      h("span", { class: `st-${s.status}` }, s.status), ` · ${s.turns} turn${s.turns === 1 ? "" : "s"} · ended `, time(s.endedAt)));
  // the transcript is drawn when first opened: a player may have many long sessions
  details.addEventListener("toggle", () => {
    if (details.open && details.children.length === 1) details.append(sessionBody(s));
  });
  return details;
}

function sessionBody(s) {
  const row = (term, ...value) => [h("dt", {}, term), h("dd", {}, ...value)];
  return h("div", { class: "session-body" },
    h("dl", {},
      s.memoryStores?.length && row("Stores", s.memoryStores.join(", ")),
      row("Turns", `${s.turns} held${s.turnCount === null ? "" : ` of ${s.turnCount}`}`),
      s.extractor && row("Extractor", s.extractor, s.extractorNote ? ` (${s.extractorNote})` : ""),
      s.error && row("Error", s.error),
      s.purgedAt && row("Transcript purged", time(s.purgedAt))),
    h("h5", {}, "Summary"),
    s.summary ? h("p", { class: "summary" }, s.summary) : h("p", { class: "muted" }, "No summary (not processed yet, or nothing to say)."),
    s.results.length > 0 && [
      h("h5", {}, "What it changed"),
      h("ul", { class: "results" }, s.results.map((r) => h("li", {},
        h("span", { class: `event ev-${r.event}` }, r.event), " ", h("q", {}, r.memory),
        r.previous && h("span", { class: "muted" }, " (was ", h("q", {}, r.previous), ")")))),
    ],
    h("h5", {}, "Transcript"),
    s.transcript.length
      ? h("ol", { class: "transcript" }, s.transcript.map((t) => h("li", { class: `turn role-${t.role}`, value: t.seq + 1 },
        h("span", { class: "seq" }, `#${t.seq} ${t.role}`), " ", time(t.at), h("p", {}, t.text))))
      : h("p", { class: "muted" }, s.purgedAt ? "The transcript was purged (transcript retention)." : "No turns held."));
}

function showSession(id) {
  const details = document.getElementById(domId("s", id));
  if (!details) return;
  details.open = true;
  details.scrollIntoView({ block: "start" });
  details.querySelector("summary").focus();
}

/** The player's export as it is now, saved as a file. */
async function download(p) {
  let data;
  try {
    data = await api("GET", `/v1/users/${enc(p.id)}/export`);
  } catch (e) {
    return fail(e, "export the player");
  }
  const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
  const a = h("a", { href: url, download: `keepsake-${p.id.replace(/[^\w.-]/g, "_")}.json` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---- start ----

$("login-form").addEventListener("submit", (e) => {
  e.preventDefault();
  login($("key").value.trim());
});
// the address's hash says which player is open: the skip link moves focus without changing it
document.querySelector(".skip").addEventListener("click", (e) => { e.preventDefault(); $("main").focus(); });
$("forget").addEventListener("click", () => showLogin("The key is forgotten."));
$("activity").addEventListener("change", () => loadPlayers(true).catch((e) => fail(e, "list the players")));
$("player-filter").addEventListener("input", renderPlayers);
$("more").addEventListener("click", () => loadPlayers(false).catch((e) => fail(e, "list more players")));
addEventListener("hashchange", () => {
  const id = hashPlayer();
  if (id && !$("app").hidden) openPlayer(id);
});

api("GET", "/v1/health").then(
  (r) => ($("relay-info").textContent = `Relay ${r.version} at ${location.origin}`),
  () => ($("relay-info").textContent = `The relay at ${location.origin} does not answer.`),
);
// a key kept from earlier in this tab is tried at once; otherwise the prompt
const kept = sessionStorage.getItem(KEY);
if (kept) login(kept);
else showLogin();

// Socket handlers: handshake, `memories` first, `transcript`, `session:end`, `memory:search`, and
// the pushes (`session:processed`, `memories:updated`) to every socket that reads changed memories.
import type { Server, Socket } from "socket.io";
import {
  type CharacterSettings, type ClientToServerEvents, HandshakeAuth, LIMITS, type MemoryAddResult, type Scope, SearchPayload,
  type ServerToClientEvents, SessionEndPayload, TranscriptPayload, type Turn,
} from "../sdk/src/protocol.ts";
import { authorize, type Tokens } from "./auth.ts";
import { errorBody, parse, ProtocolError } from "./errors.ts";
import type { ExtractionQueue } from "./jobs.ts";
import { log } from "./log.ts";
import type { MemoryService } from "./memories.ts";
import type { Metrics } from "./metrics.ts";
import { TokenBucket } from "./rate.ts";
import { ownerKey, readScopes, scopeKey, writeScopes } from "./store/scope.ts";
import type { Owner, SessionRow, Store } from "./store/store.ts";

export interface SocketData {
  owner: Owner;
  sessionId: string;
  metadata?: Record<string, unknown>;
  /** frees the end user's connection slot taken at handshake (once) */
  release: () => void;
}
export type KeepsakeServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type KeepsakeSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface SessionDeps {
  store: Store;
  memories: MemoryService;
  queue: ExtractionQueue;
  /** events a second per connection (LIMITS.eventsPerSecond unless configured); bursts and the per-end-user budget scale with it */
  eventsPerSecond: number;
  /** token mode: every handshake needs a token granting its end user, character and stores */
  tokens?: Tokens;
  /** counts the errors answered for /metrics */
  metrics?: Metrics;
}

/** Whether memory is on for a character (the default; a character's settings can switch it off). */
export async function memoryEnabled(store: Store, characterId: string): Promise<boolean> {
  return (await store.getCharacterSettings(characterId))?.memoryEnabled !== false;
}

/** The refusal of a session that belongs to another identity (its first delivery's). */
const forbidden = (sessionId: string) =>
  new ProtocolError("E_FORBIDDEN", `session ${sessionId} belongs to another end user, character or set of stores`);

const EVENTS = new Set(["transcript", "session:end", "memory:search"]);

interface EndUserState { sockets: number; bucket: TokenBucket; forget?: ReturnType<typeof setTimeout> }

export class Sessions {
  /** sockets connected per session id of their handshake: such a session is never idle */
  readonly #live = new Map<string, number>();
  /**
   * Connections and the shared event budget of each end user. An entry outlives the user's last
   * connection until its budget would have refilled, so reconnecting does not buy a fresh budget.
   */
  readonly #users = new Map<string, EndUserState>();

  readonly #rates: { socket: [number, number]; user: [number, number] };

  constructor(private readonly io: KeepsakeServer, private readonly deps: SessionDeps) {
    const k = deps.eventsPerSecond / LIMITS.eventsPerSecond;
    this.#rates = {
      socket: [deps.eventsPerSecond, LIMITS.eventBurst * k],
      user: [LIMITS.endUserEventsPerSecond * k, LIMITS.endUserEventBurst * k],
    };
    io.use(async (socket, next) => {
      try {
        const auth = parse(HandshakeAuth, socket.handshake.auth, "handshake auth", false);
        if (deps.tokens) authorize(await deps.tokens.verify(auth.token), auth);
        // a session belongs to the identity of its first delivery: another may not connect as it (and keep it from idling)
        const session = await deps.store.getSession(auth.sessionId);
        if (session && ownerKey(session) !== ownerKey(auth)) throw forbidden(auth.sessionId);
        // a client gone during the waits would never free the slot below
        if (socket.conn.readyState !== "open") throw new ProtocolError("E_BAD_REQUEST", "the client left during the handshake");
        // the slot is taken here, after the last await, so handshakes arriving together are counted together
        const user = this.#user(auth.endUserId);
        if (user.sockets >= LIMITS.socketsPerEndUser) {
          throw new ProtocolError("E_RATE_LIMITED", `an end user may have at most ${LIMITS.socketsPerEndUser} connections open at once`);
        }
        user.sockets++;
        let released = false;
        socket.data.release = () => {
          if (released) return;
          released = true;
          if (--user.sockets === 0) this.#forgetLater(auth.endUserId, user);
        };
        // a handshake that never becomes a connection (the client left meanwhile) frees its slot too
        socket.conn.once("close", socket.data.release);
        socket.data.owner = { endUserId: auth.endUserId, characterId: auth.characterId, memoryStores: auth.memoryStores };
        socket.data.sessionId = auth.sessionId;
        socket.data.metadata = auth.metadata;
        next();
      } catch (e) {
        next(Object.assign(new Error(e instanceof Error ? e.message : "handshake refused"), { data: this.#answer(e, "handshake") }));
      }
    });
    io.on("connection", (socket) => this.#connection(socket));
  }

  /** A thrown value as the error an ack or a refused handshake carries, counted and logged (debug) by code. */
  #answer(e: unknown, event: string) {
    const error = errorBody(e);
    this.deps.metrics?.errors.inc({ code: error.code, transport: "socket" });
    log.debug(`keepsake: ${event} answered ${error.code}: ${error.message}`, { event, code: error.code });
    return error;
  }

  #user(endUserId: string): EndUserState {
    let user = this.#users.get(endUserId);
    if (!user) this.#users.set(endUserId, (user = { sockets: 0, bucket: new TokenBucket(...this.#rates.user) }));
    clearTimeout(user.forget);
    return user;
  }

  #forgetLater(endUserId: string, user: EndUserState) {
    const [rate, burst] = this.#rates.user;
    user.forget = setTimeout(() => { if (user.sockets === 0) this.#users.delete(endUserId); }, (burst / rate) * 1000);
  }

  /** Spends one event of `endUserId`'s budget (and of a connection's, when given); E_RATE_LIMITED when spent. */
  spend(endUserId: string, connection?: TokenBucket): void {
    if ((connection && !connection.take()) || !this.#user(endUserId).bucket.take()) {
      throw new ProtocolError("E_RATE_LIMITED",
        `too many events: at most ${this.#rates.socket[0]} a second per connection and ${this.#rates.user[0]} per end user`);
    }
  }

  #connection(socket: KeepsakeSocket) {
    const { store, memories, queue } = this.deps;
    const { owner, sessionId } = socket.data;
    this.#live.set(sessionId, (this.#live.get(sessionId) ?? 0) + 1);
    log.debug(`keepsake: session ${sessionId} connected`, { sessionId, characterId: owner.characterId });
    socket.on("disconnect", (reason) => {
      log.debug(`keepsake: session ${sessionId} disconnected (${reason})`, { sessionId, reason });
      socket.data.release();
      const left = this.#live.get(sessionId)! - 1;
      if (left) this.#live.set(sessionId, left);
      else this.#live.delete(sessionId);
      // idle time counts from the last contact
      store.touchSession(sessionId).catch(errorBody);
    });
    const bucket = new TokenBucket(...this.#rates.socket);
    const shipped = new Set<string>();
    /** a socket ships its own session and earlier ones from its outbox, up to a bound */
    const ships = (id: string) => {
      if (shipped.has(id)) return;
      if (shipped.size >= LIMITS.sessionsPerConnection) {
        throw new ProtocolError("E_RATE_LIMITED", `one connection may ship at most ${LIMITS.sessionsPerConnection} sessions; reconnect for more`);
      }
      shipped.add(id);
    };
    // Handlers are registered at once so that nothing sent early is lost; they wait for `memories` to go first.
    const ready = (async () => {
      await store.touchUser(owner.endUserId, socket.data.metadata, new Date().toISOString());
      // the settings read once: whether memory is on, and what inject takes from them (nothing when off)
      const settings = await memories.settings(owner.characterId);
      socket.emit("memories", { sessionId, enabled: settings.memoryEnabled !== false, ...await memories.inject(owner, settings) });
      socket.join(readScopes(owner).map(scopeKey));
    })();
    ready.catch((e) => { errorBody(e); socket.disconnect(true); });

    const handle = <T>(event: string, fn: (payload: unknown) => Promise<T>) => {
      socket.on(event as keyof ClientToServerEvents, async (...args: unknown[]) => {
        const ack = typeof args.at(-1) === "function" ? (args.pop() as (a: unknown) => void) : null;
        let answer: unknown;
        try {
          this.spend(owner.endUserId, bucket);
          await ready;
          answer = { ok: true, ...(await fn(args[0])) };
        } catch (e) {
          answer = { ok: false, error: this.#answer(e, event) };
        }
        ack?.(answer);
      });
    };

    handle("transcript", async (payload) => {
      const p = parse(TranscriptPayload, payload, "transcript");
      ships(p.sessionId);
      return { received: await this.receive(owner, p.sessionId, p.turns) };
    });

    handle("session:end", async (payload) => {
      const p = parse(SessionEndPayload, payload, "session:end");
      ships(p.sessionId);
      const disabled = !(await memoryEnabled(store, owner.characterId));
      const r = await store.endSession(p.sessionId, owner, p.turnCount, p.endedAt, { disabled, queued: () => queue.kick() });
      if (r.status === "disabled") queue.forget({ sessionId: p.sessionId });
      switch (r.status) {
        case "forbidden": throw forbidden(p.sessionId);
        case "conflict": throw new ProtocolError("E_CONFLICT", r.message);
        case "failed": {
          const s = await store.getSession(p.sessionId);
          throw new ProtocolError("E_INTERNAL", `extraction of session ${p.sessionId} failed and is parked: ${s?.error ?? "unknown error"}`);
        }
        case "incomplete": return { status: "incomplete", missing: r.missing };
        case "queued": return { status: "queued" };
        case "processing": return { status: "queued" };
        default: return { status: r.status };
      }
    });

    handle("memory:search", async (payload) => {
      const p = parse(SearchPayload, payload, "memory:search");
      return { memories: await memories.search(owner, p.query, p.limit ?? 10) };
    });

    // an event the protocol does not have still gets an answer when it asks for one
    socket.onAny((event: string, ...args: unknown[]) => {
      if (EVENTS.has(event)) return;
      const ack = args.at(-1);
      let error;
      try {
        this.spend(owner.endUserId, bucket);
        throw new ProtocolError("E_BAD_REQUEST", `unknown event ${JSON.stringify(String(event).slice(0, 64))}`);
      } catch (e) {
        error = this.#answer(e, "an unknown event");
      }
      if (typeof ack === "function") ack({ ok: false, error });
    });
  }

  /**
   * Stores turns of a session for `owner` (the socket event and the REST page-hide path both come
   * here); the extractor may start reading them at once (ExtractionQueue.turnsArrived).
   */
  async receive(owner: Owner, sessionId: string, turns: Turn[]): Promise<number> {
    const { store, queue } = this.deps;
    if (!(await memoryEnabled(store, owner.characterId))) return new Set(turns.map((t) => t.seq)).size;
    const r = await store.putTurns(sessionId, owner, turns, { added: (received, added) => queue.turnsArrived(sessionId, received, added) });
    if (r.ok) return r.received;
    if (r.reason === "forbidden") throw forbidden(sessionId);
    if (r.reason === "conflict") throw new ProtocolError("E_CONFLICT", `turns ${r.seq.join(", ")} of session ${sessionId} were already delivered with different text`);
    throw new ProtocolError("E_CONFLICT", `session ${sessionId} has ended (${r.status}); it takes no new turns`);
  }

  /** An end user was erased: nothing read ahead of their sessions is kept. */
  erased(endUserId: string): void {
    this.deps.queue.forget({ endUserId });
  }

  /**
   * Ends sessions whose client is gone: no socket of theirs connected and no delivery for `idleMs`.
   * They are extracted with the turns they hold, so a player who never comes back is remembered.
   */
  async finalizeIdle(idleMs: number): Promise<number> {
    const before = new Date(Date.now() - idleMs).toISOString();
    let ended = 0;
    for (const id of await this.deps.store.idleSessions(before, 100)) {
      if (!this.#live.has(id) && await this.deps.store.finalizeIdle(id, before)) ended++;
    }
    if (ended) this.deps.queue.kick();
    return ended;
  }

  /**
   * After an extraction: `session:processed` to readers of the session's memories, then fresh sets if
   * they changed; if only its summary is new, to the player's own sockets (their context changed).
   */
  processed(session: SessionRow, results: MemoryAddResult[]) {
    const scopes = writeScopes(session);
    this.io.to(scopes.map(scopeKey)).emit("session:processed", { sessionId: session.sessionId, results });
    if (results.some((r) => r.event !== "noop")) void this.changed(scopes);
    else if (session.summary) void this.changed(scopes, (o) => o.endUserId === session.endUserId && o.characterId === session.characterId);
  }

  /**
   * Sends `memories:updated` to every socket that reads any of `scopes` (and whose identity `only`
   * takes), computed once per identity, with each character's settings read once.
   */
  async changed(scopes: Scope[], only?: (owner: Owner) => boolean): Promise<void> {
    const { memories } = this.deps;
    memories.changed(scopes);
    try {
      const sockets = (await this.io.in(scopes.map(scopeKey)).fetchSockets()).filter((s) => !only || only(s.data.owner));
      const byOwner = new Map<string, typeof sockets>();
      for (const s of sockets) {
        const key = ownerKey(s.data.owner);
        if (byOwner.has(key)) byOwner.get(key)!.push(s);
        else byOwner.set(key, [s]);
      }
      const settings = new Map<string, CharacterSettings>();
      for (const group of byOwner.values()) {
        const owner = group[0].data.owner;
        if (!settings.has(owner.characterId)) settings.set(owner.characterId, await memories.settings(owner.characterId));
        const injected = await memories.inject(owner, settings.get(owner.characterId));
        for (const s of group) s.emit("memories:updated", injected);
      }
    } catch (e) {
      errorBody(e);
    }
  }
}

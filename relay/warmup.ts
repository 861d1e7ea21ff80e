// The relay's own code warmed up before it listens, as relay/extract/warmup.ts warms the extractor's.
// Right after a start, the first sessions ran through socket handling, the store, merge, search and
// injection before the JavaScript engine had compiled any of them, and were the slowest of a run
// (README, "Evaluation"). So a throwaway relay (a temporary data folder, open mode, a loopback port,
// no embeddings) is driven through the protocol by made-up players, with socket.io-client as any
// client would: connect, transcript, session:end, session:processed, memory:search, the memories'
// REST listing. It shares the extractor's workers and nothing else: its store, metrics and sockets
// are its own, and it is closed and its folder removed before the real relay listens.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { io, type Socket } from "socket.io-client";
import type { Extractor } from "./extract/extractor.ts";
import { warmUpSession } from "./extract/warmup.ts";
import { createRelay, type RelayOptions } from "./server.ts";
import { SqliteStore } from "./store/sqlite.ts";

/** made-up players at once: sessions of different players are extracted and merged side by side */
const PLAYERS = 4;
/** no step of the warm-up waits longer than this */
const WAIT_MS = 10_000;

/**
 * Drives a throwaway relay made with `options` for about `ms` (the session under way finishes), its
 * extraction done by `extractor` (not closed with it). Returns the sessions processed.
 */
export async function warmUpRelay(options: Omit<RelayOptions, "store">, extractor: Extractor, ms: number): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keepsake-warmup-"));
  const relay = createRelay({
    ...options,
    store: new SqliteStore(dir),
    extractor: { name: extractor.name, readsAhead: extractor.readsAhead, extract: (input) => extractor.extract(input) },
    tokens: undefined,
    adminKey: undefined,
    embeddings: undefined,
    allowedOrigins: () => false,
    staticDirs: {},
  });
  try {
    const { port } = await relay.listen(0, "127.0.0.1");
    const url = `http://127.0.0.1:${port}`;
    const until = performance.now() + ms;
    let n = 0, failed: unknown;
    // (the first failure stops every player: the warm-up ends there, and says why)
    await Promise.all(Array.from({ length: PLAYERS }, async (_, player) => {
      try {
        while (!failed && performance.now() < until) await session(url, player, n++);
      } catch (e) {
        failed ??= e;
      }
    }));
    if (failed) throw failed;
    return n;
  } finally {
    await relay.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One made-up session of `player`, the `n`th made up, start to end; then a search or two and the REST listing. */
async function session(url: string, player: number, n: number): Promise<void> {
  const endUserId = `warmup-${player}`, characterId = "warmup", sessionId = `warmup-${n}`;
  const socket = io(url, { transports: ["websocket"], auth: { v: 1, endUserId, characterId, sessionId }, reconnection: false, timeout: WAIT_MS });
  try {
    await within(new Promise((resolve, reject) => {
      socket.once("memories", resolve);
      socket.once("connect_error", reject);
    }));
    const turns = warmUpSession(n);
    const processed = new Promise((resolve) => socket.on("session:processed", (p: { sessionId: string }) => p.sessionId === sessionId && resolve(p)));
    await ask(socket, "transcript", { sessionId, turns });
    const end = await ask(socket, "session:end", { sessionId, turnCount: turns.length, endedAt: turns[turns.length - 1].at });
    if (end.status === "queued") await within(processed);
    // questions in the made-up players' words: "What about my sister moved to Denver?"
    for (const turn of turns.filter((t) => t.role === "user").slice(0, 2)) {
      await ask(socket, "memory:search", { query: `What about ${turn.text.split(" ").slice(0, 6).join(" ")}?`, limit: 10 });
    }
    const listed = await fetch(`${url}/v1/users/${endUserId}/characters/${characterId}/memories?page=1&pageSize=50`);
    await listed.body?.cancel();
  } finally {
    socket.disconnect();
  }
}

async function ask(socket: Socket, event: string, payload: unknown): Promise<{ status?: string }> {
  const ack = await socket.timeout(WAIT_MS).emitWithAck(event, payload);
  if (!ack?.ok) throw new Error(`${event} was refused: ${JSON.stringify(ack?.error ?? ack)}`);
  return ack;
}

function within<T>(p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${WAIT_MS} ms`)), WAIT_MS)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

// "The relay still works": what a player and an operator would check after something hostile.
import { expect } from "vitest";
import { authFor, connectClient, emit, newPair, rest, turn, uid } from "./wire.ts";

/** /v1/health answers, and a fresh player connects, ships a turn and searches. */
export async function expectRelayAlive(url: string): Promise<void> {
  const h = await rest(url, "GET", "/v1/health");
  expect(h.status, h.text).toBe(200);
  expect(h.body.ok).toBe(true);
  const pair = newPair("alive");
  const sessionId = uid("s-alive");
  const c = await connectClient(url, authFor(pair, sessionId));
  try {
    expect(c.firstEvent).toBe("memories");
    expect(await emit(c.socket, "transcript", { sessionId, turns: [turn(0, "user", "Hello there.")] })).toEqual({ ok: true, received: 1 });
    expect((await emit(c.socket, "memory:search", { query: "hello" })).ok).toBe(true);
  } finally { c.close(); }
}

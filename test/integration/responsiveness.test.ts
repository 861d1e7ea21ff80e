// A large session is within the protocol's limits (500 turns of 4000 characters is a quarter of
// what one session may hold); extracting it must not stall everyone else on the relay.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startRelay, type Relay } from "../helpers/relay.ts";
import { authFor, connectClient, emit, getSession, newPair, turn, uid } from "../helpers/wire.ts";

let relay: Relay;
beforeAll(async () => { relay = await startRelay(); });
// SIGKILL: a clean stop would wait for the extraction in hand
afterAll(async () => { await relay?.kill(); });

const PROSE = "We walked along the river this morning and talked about the weather, the old bridge, the market stalls, "
  + "the price of bread, a song my neighbour keeps humming, the trains that run late on Sundays and the boats on the water. ";

it("while a large session is extracted, the relay keeps answering within 2 s", async () => {
  const pair = newPair("load");
  const sessionId = uid("s-load");
  const script = Array.from({ length: 250 }, (_, i) => turn(i, "user", `${i}: ${PROSE.repeat(20)}`.slice(0, 4000)));
  const c = await connectClient(relay.url, authFor(pair, sessionId));
  try {
    for (let i = 0; i < script.length; i += 100) {
      expect((await emit(c.socket, "transcript", { sessionId, turns: script.slice(i, i + 100) })).ok).toBe(true);
    }
    expect((await emit(c.socket, "session:end", { sessionId, turnCount: script.length })).ok).toBe(true);
  } finally { c.close(); }

  const latencies: number[] = [];
  // a generous wait for the extraction itself (seconds alone, far longer on a loaded machine); what is asserted is health's latency
  const until = Date.now() + 80_000;
  while (Date.now() < until) {
    const t0 = Date.now();
    const health = await fetch(`${relay.url}/v1/health`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.status, (e) => String(e.cause?.code ?? e));
    latencies.push(Date.now() - t0);
    expect(health, `health answered ${health} after ${latencies.at(-1)} ms`).toBe(200);
    expect(latencies.at(-1), `health answered after ${latencies.join(", ")} ms while the session was being extracted`).toBeLessThan(2_000);
    const status = (await getSession(relay.url, sessionId)).body?.status;
    if (status === "processed" || status === "failed") break;
    await new Promise((r) => setTimeout(r, 100));
  }
  // the session was extracted in the end
  expect((await getSession(relay.url, sessionId)).body?.status).toBe("processed");
}, 120_000);

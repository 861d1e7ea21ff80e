// Optional embeddings, against the real relay process with KEEPSAKE_EMBEDDINGS_URL pointing at an
// OpenAI-compatible embeddings server in this process (test/helpers/embeddings.ts: deterministic
// vectors, "hound"/"beagle"/"puppy" mean "dog"). Each claim is checked beside a relay without
// embeddings, so that it is the embeddings that make the difference: a query finds a memory sharing no
// word with it; a paraphrase merges (REST add and extraction) instead of duplicating; a negated one
// revises; and with the endpoint down or hanging, search answers lexically and extraction still stores.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeEmbeddings, type FakeEmbeddings } from "../helpers/embeddings.ts";
import { startRelay, type Relay } from "../helpers/relay.ts";
import { authFor, connectClient, emit, listAll, newPair, pairPath, rest, runSession, turns, waitFor, type Pair } from "../helpers/wire.ts";

const KEY = "sk-test-embeddings-5f1e9a";
const MODEL = "fake-embed-1";

let fake: FakeEmbeddings;
let relay: Relay;
let lexical: Relay;
beforeAll(async () => {
  fake = await startFakeEmbeddings();
  [relay, lexical] = await Promise.all([
    startRelay({ env: { KEEPSAKE_EMBEDDINGS_URL: fake.url, KEEPSAKE_EMBEDDINGS_MODEL: MODEL, KEEPSAKE_EMBEDDINGS_API_KEY: KEY } }),
    startRelay(),
  ]);
});
afterAll(async () => { await Promise.all([relay?.stop(), lexical?.stop()]); await fake?.close(); });

async function search(url: string, pair: Pair, query: string): Promise<{ id: string; memory: string; score: number }[]> {
  const c = await connectClient(url, authFor(pair));
  try {
    const ack = await emit(c.socket, "memory:search", { query });
    expect(ack.ok, JSON.stringify(ack)).toBe(true);
    return ack.memories;
  } finally { c.close(); }
}

async function add(url: string, pair: Pair, memories: string[]): Promise<any[]> {
  const r = await rest(url, "POST", pairPath(pair), { memories });
  expect(r.status, r.text).toBe(200);
  return r.body.results;
}

const BEAGLE = "The user walks a beagle every morning.";
const OTHERS = ["The user bakes rye bread.", "The user repairs old clocks.", "The user sings in a choir on Sundays."];

describe("with an embeddings endpoint", () => {
  it("a query that shares no word with a memory finds it by meaning; without embeddings it does not", async () => {
    const pair = newPair("emb-search");
    for (const url of [relay.url, lexical.url]) await add(url, pair, [BEAGLE, ...OTHERS]);

    expect((await search(lexical.url, pair, "hound")).map((h) => h.memory)).not.toContain(BEAGLE);
    const hits = await search(relay.url, pair, "hound");
    expect(hits[0].memory).toBe(BEAGLE);
    for (const h of hits) expect(Number.isFinite(h.score) && h.score > 0).toBe(true);
    expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a));
    // an exact word still wins over meaning alone
    expect((await search(relay.url, pair, "rye bread"))[0].memory).toBe("The user bakes rye bread.");

    // the relay called the endpoint as OpenAI's API says: the key, the model, the memories in a batch
    expect(fake.requests.length).toBeGreaterThan(0);
    for (const r of fake.requests) expect(r).toMatchObject({ authorization: `Bearer ${KEY}`, model: MODEL });
    expect(fake.requests.some((r) => r.input.includes(BEAGLE) && r.input.length > 1)).toBe(true);
  });

  it("a paraphrase merges with the memory it restates instead of duplicating it, through the API and through extraction", async () => {
    const paraphrase = "Each morning the player strolls with their hound.";
    for (const [url, merged] of [[relay.url, true], [lexical.url, false]] as const) {
      const pair = newPair("emb-merge");
      const [first] = await add(url, pair, [BEAGLE]);
      const [second] = await add(url, pair, [paraphrase]);
      if (merged) expect(second).toMatchObject({ event: "noop", id: first.id, memory: BEAGLE });
      else expect(second.event).toBe("add");
      expect((await listAll(url, pair)).length).toBe(merged ? 1 : 2);

      // a session saying it again in its own words: the extracted fact is taken for the same memory
      const run = await runSession(url, pair, turns("Every morning I stroll with my hound."));
      const after = await listAll(url, pair);
      if (merged) {
        expect(run.view.results.filter((r: any) => r.event === "add")).toEqual([]);
        expect(after.map((m) => m.id)).toEqual([first.id]);
        expect(after[0].sources.map((s) => s.sessionId)).toContain(run.sessionId);
      } else {
        expect(after.length).toBe(3);
      }
    }
  });

  it("a negated paraphrase revises the memory it contradicts", async () => {
    const pair = newPair("emb-negate");
    const [first] = await add(relay.url, pair, [BEAGLE]);
    const [second] = await add(relay.url, pair, ["The player no longer strolls with a hound each morning."]);
    expect(second).toMatchObject({ event: "update", id: first.id, previous: BEAGLE });
    const [m] = await listAll(relay.url, pair);
    expect(m.memory).toMatch(/no longer/);
  });

  it("a memory edited after a search is never found by its old meaning, nor a deleted one at all", async () => {
    const pair = newPair("emb-edit");
    const [beagle, bread, , , puppy] = await add(relay.url, pair, [BEAGLE, ...OTHERS, "The user feeds a puppy at noon."]);
    // both dogs mean "dog" alike; the older memory comes first
    expect((await search(relay.url, pair, "hound")).slice(0, 2).map((h) => h.id)).toEqual([beagle.id, puppy.id]);
    // the beagle's memory now says something else, and the endpoint is down so its new text has no vector
    // yet: "hound" (its vector kept from the search before) must not find it by the old text's meaning
    fake.mode = "down";
    try {
      const patched = await rest(relay.url, "PATCH", `${pairPath(pair)}/${beagle.id}`, { memory: "The user collects old maps." });
      expect(patched.status, patched.text).toBe(200);
      expect((await search(relay.url, pair, "hound"))[0].id).toBe(puppy.id);
    } finally {
      fake.mode = "ok";
    }
    expect((await search(relay.url, pair, "rye bread"))[0].id).toBe(bread.id);
    expect((await rest(relay.url, "DELETE", `${pairPath(pair)}/${bread.id}`)).status).toBe(200);
    expect((await search(relay.url, pair, "rye bread")).map((h) => h.id)).not.toContain(bread.id);
  });
});

describe("with the embeddings endpoint failing", () => {
  it("down (503): search answers lexically, extraction still stores memories, the relay warns", async () => {
    const pair = newPair("emb-down");
    fake.mode = "down";
    try {
      await add(relay.url, pair, [BEAGLE, ...OTHERS]);
      const hits = await search(relay.url, pair, "beagle");
      expect(hits[0].memory).toBe(BEAGLE);

      const run = await runSession(relay.url, pair, turns("My name is Sam.", "I collect old maps."));
      expect(run.view.status).toBe("processed");
      const text = (await listAll(relay.url, pair)).map((m) => m.memory).join("\n");
      expect(text).toMatch(/Sam/);
      expect(text).toMatch(/maps/);
      await waitFor(() => /embeddings endpoint failed .*503/.test(relay.log()), 5_000);
      expect(relay.log()).not.toContain(KEY);
    } finally { fake.mode = "ok"; }
  });

  it("hanging: a search still answers, lexically, within the request time limit", async () => {
    const hung = await startFakeEmbeddings();
    hung.mode = "hang";
    const slow = await startRelay({ env: { KEEPSAKE_EMBEDDINGS_URL: hung.url, KEEPSAKE_EMBEDDINGS_MODEL: MODEL, KEEPSAKE_EMBEDDINGS_TIMEOUT_MS: "300" } });
    try {
      const pair = newPair("emb-hang");
      await add(slow.url, pair, [BEAGLE, ...OTHERS]);
      const started = Date.now();
      const hits = await search(slow.url, pair, "beagle");
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(hits[0].memory).toBe(BEAGLE);
      // and the next one does not wait at all: the relay stays lexical for a while
      const again = Date.now();
      await search(slow.url, pair, "clocks");
      expect(Date.now() - again).toBeLessThan(1_000);
    } finally { await slow.stop(); await hung.close(); }
  });
});

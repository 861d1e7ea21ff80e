// Pinned memories (issue 6, point 2) against the real relay process: added through REST with
// `pinned: true` or pinned with PATCH; no extraction ever changes or deletes one (a correction, a
// retraction or a negation of it is a noop), while the same session does revise what is not pinned;
// and they are injected first, whatever their importance and age (KEEPSAKE_INJECT_LIMIT=3).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoriesPayload, MemoriesUpdatedPayload, type MemoryRecord } from "../../sdk/src/protocol.ts";
import { startRelay, type Relay } from "../helpers/relay.ts";
import { authFor, connectClient, listAll, newPair, type Pair, pairPath, rest, runSession, turns } from "../helpers/wire.ts";

const LIMIT = 3;
let relay: Relay;
beforeAll(async () => { relay = await startRelay({ env: { KEEPSAKE_INJECT_LIMIT: String(LIMIT) } }); });
afterAll(async () => { await relay?.stop(); });

const byId = (list: MemoryRecord[]) => Object.fromEntries(list.map((m) => [m.id, m]));
const history = async (id: string) => (await rest(relay.url, "GET", `/v1/memories/${id}/history`)).body.history;
async function injected(pair: Pair) {
  const c = await connectClient(relay.url, authFor(pair));
  c.close();
  return MemoriesPayload.parse(c.memories);
}

describe("extraction never changes or deletes a pinned memory", () => {
  it("added through REST with pinned: true, then contradicted by a session (\"I live in Austin now\", \"I don't like coffee anymore\")", async () => {
    const pair = newPair("pin-rest");
    const add = await rest(relay.url, "POST", pairPath(pair), { memories: ["The user lives in Denver.", "The user likes coffee."], pinned: true });
    expect(add.status, add.text).toBe(200);
    const ids = add.body.results.map((r: { id: string }) => r.id);
    const before = byId(await listAll(relay.url, pair));
    for (const id of ids) expect(before[id].pinned).toBe(true);

    const run = await runSession(relay.url, pair, turns("I live in Austin now.", "I don't like coffee anymore."));
    // the negation of the coffee memory would revise it: pinned, it is a noop
    expect(run.view.results).toContainEqual(expect.objectContaining({ event: "noop", id: ids[1] }));
    for (const r of run.view.results.filter((r: { id: string }) => ids.includes(r.id))) expect(r.event).toBe("noop");
    const after = byId(await listAll(relay.url, pair));
    for (const id of ids) {
      expect(after[id], before[id].memory).toEqual(before[id]);
      expect(await history(id)).toEqual([expect.objectContaining({ event: "add", memory: before[id].memory })]);
    }
    expect(Object.values(after).map((m) => m.memory)).not.toContain("The user no longer likes coffee.");
  });

  it("pinned with PATCH (an extracted memory, with its slot): a correction, a retraction and a negation are noops; what is not pinned is revised", async () => {
    const pair = newPair("pin-patch");
    const first = await runSession(relay.url, pair, turns("I live in Denver.", "I love coffee.", "I work as a welder."));
    const idOf = (re: RegExp) => first.view.results.find((r: { memory: string }) => re.test(r.memory))!.id as string;
    const [home, coffee, job] = [idOf(/Denver/), idOf(/coffee/), idOf(/welder/)];
    for (const id of [home, coffee]) {
      const r = await rest(relay.url, "PATCH", `${pairPath(pair)}/${id}`, { pinned: true });
      expect(r.body).toMatchObject({ id, pinned: true });
    }
    const before = byId(await listAll(relay.url, pair));

    const moved = await runSession(relay.url, pair, turns("I live in Austin now.", "I don't like coffee anymore.", "I work as a carpenter now."));
    expect(moved.view.results).toEqual(expect.arrayContaining([
      expect.objectContaining({ event: "noop", id: home }),
      expect.objectContaining({ event: "noop", id: coffee }),
      // the control: the same session revises the occupation, which is not pinned
      expect.objectContaining({ event: "update", id: job, previous: before[job].memory }),
    ]));
    const gone = await runSession(relay.url, pair, turns("I don't live in Denver anymore."));
    expect(gone.view.results).toEqual([expect.objectContaining({ event: "noop", id: home })]);

    const after = byId(await listAll(relay.url, pair));
    for (const id of [home, coffee]) {
      expect(after[id]).toEqual(before[id]);
      expect(await history(id)).toEqual([expect.objectContaining({ event: "add", sessionId: first.sessionId })]);
    }
    expect(after[job].memory).toMatch(/carpenter/);
    // the pinned memory holds its slot: no second home was added beside it
    expect(Object.values(after).filter((m) => /lives in/.test(m.memory)).map((m) => m.memory)).toEqual([before[home].memory]);
  });

  it("a REST add with pinned: true of a memory already stored pins that memory (noop), and a connected session hears it first", async () => {
    const pair = newPair("pin-again");
    await runSession(relay.url, pair, turns("My name is Sam.", "I live in Denver.", "I have a dog named Rex.", "I collect old coins."));
    const coins = (await listAll(relay.url, pair)).find((m) => /coins/.test(m.memory))!;
    expect(coins.pinned).toBe(false);
    const c = await connectClient(relay.url, authFor(pair));
    try {
      expect(MemoriesPayload.parse(c.memories).memories.map((m) => m.id)).not.toContain(coins.id);
      const mark = c.events.length;
      const r = await rest(relay.url, "POST", pairPath(pair), { memories: [coins.memory], pinned: true });
      expect(r.body.results).toEqual([expect.objectContaining({ event: "noop", id: coins.id })]);
      expect((await rest(relay.url, "GET", `${pairPath(pair)}/${coins.id}`)).body).toMatchObject({ memory: coins.memory, pinned: true });
      const u = MemoriesUpdatedPayload.parse(await c.next("memories:updated", () => true, 5_000, mark));
      expect(u.memories[0]).toMatchObject({ id: coins.id, pinned: true });
    } finally { c.close(); }
  });
});

describe(`pinned memories are injected first (KEEPSAKE_INJECT_LIMIT=${LIMIT})`, () => {
  it("a pinned memory of the lowest importance, the oldest, and pinned character knowledge come before the name and the home", async () => {
    const pair = newPair("pin-rank");
    // the oldest and least important (0.3), then the name (1), the home (0.8), a pet (0.7), a liking (0.5)
    const guild = (await runSession(relay.url, pair, turns("Our guild meets at the old mill."))).view.results[0].id as string;
    await runSession(relay.url, pair, turns("My name is Sam.", "I live in Denver.", "I have a dog named Rex.", "I love coffee."));
    const k = await rest(relay.url, "POST", `/v1/characters/${pair.characterId}/memories`, { memories: ["The inn opens at dawn."] });
    const inn = k.body.results[0].id as string;

    // the control: unpinned, neither is among the three injected
    const plain = await injected(pair);
    expect(plain.total).toBe(6);
    expect(plain.memories.map((m) => m.id)).not.toContain(guild);
    expect(plain.memories.map((m) => m.id)).not.toContain(inn);

    expect((await rest(relay.url, "PATCH", `${pairPath(pair)}/${guild}`, { pinned: true })).status).toBe(200);
    expect((await rest(relay.url, "PATCH", `/v1/characters/${pair.characterId}/memories/${inn}`, { pinned: true })).status).toBe(200);
    const pinned = await injected(pair);
    expect(pinned.total).toBe(6);
    expect(pinned.memories).toHaveLength(LIMIT);
    // pinned first (between them: importance, 0.5 before 0.3), then the name
    expect(pinned.memories.map((m) => m.id).slice(0, 2)).toEqual([inn, guild]);
    expect(pinned.memories.map((m) => m.pinned)).toEqual([true, true, false]);
    expect(pinned.memories[2].memory).toMatch(/name is Sam/);
    expect(pinned.context).toContain("- Their guild meets at the old mill.");
    expect(pinned.context).toContain("- The inn opens at dawn.");

    // unpinned again, it falls back to its place
    await rest(relay.url, "PATCH", `${pairPath(pair)}/${guild}`, { pinned: false });
    expect((await injected(pair)).memories.map((m) => m.id)).not.toContain(guild);
  });
});

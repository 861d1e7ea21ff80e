// The store's listing (what a connect is injected with, and REST's pages), against the relay's own
// SQLite store: pinned first, then by importance, the most recently changed, the oldest first on a tie,
// live memories only, across every scope a session reads, page by page. It reads each scope in that
// order from an index and merges them; the expected order here is worked out from what was stored.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Scope } from "../../sdk/src/protocol.ts";
import { type StoreProcess, startStore } from "../helpers/store.ts";

let store: StoreProcess;
beforeAll(async () => { store = await startStore(); });
afterAll(async () => { await store?.close(); });

const pair: Scope = { kind: "pair", endUserId: "list-u", characterId: "list-c" };
const world: Scope = { kind: "character", characterId: "list-c" };
const group: Scope = { kind: "store", store: "list-guild" };

interface Made { id: string; n: number; pinned: boolean; importance: number; at: string; live: boolean }

describe("listing memories", () => {
  it("ranks the memories of several scopes as one list, ties by age, expired ones left out, page by page", async () => {
    // few distinct values, so that ties are many: three days, three importances, a few pinned and expired
    const days = ["2025-01-01T00:00:00.000Z", "2025-02-01T00:00:00.000Z", "2025-03-01T00:00:00.000Z"];
    const made: Made[] = [];
    for (let n = 0; n < 90; n++) {
      const scope = [pair, world, group][n % 3];
      const pinned = n % 11 === 0, importance = [0.3, 0.5, 0.8][(n * 7) % 3], at = days[(n * 5) % 3];
      const live = n % 13 !== 5;
      const [{ id }] = await store.call("applyOps", [{
        event: "add", scope,
        memory: { memory: `Memory number ${n}.`, importance, pinned, ...(live ? {} : { expiresAt: "2025-06-01T00:00:00.000Z" }) },
      }], at);
      made.push({ id, n, pinned, importance, at, live });
    }
    const expected = made.filter((m) => m.live).sort((a, b) =>
      Number(b.pinned) - Number(a.pinned) || b.importance - a.importance || b.at.localeCompare(a.at) || a.n - b.n).map((m) => m.id);
    const now = "2025-12-01T00:00:00.000Z";
    for (const [offset, limit] of [[0, 50], [0, 7], [7, 7], [30, 25], [80, 10]]) {
      const page = await store.call("listMemories", [pair, world, group], { offset, limit, now });
      expect(page.total).toBe(expected.length);
      expect(page.memories.map((m: { id: string }) => m.id)).toEqual(expected.slice(offset, offset + limit));
    }
    // one scope alone, as REST lists it
    const own = made.filter((m) => m.live && m.n % 3 === 0).map((m) => m.id);
    const ranked = expected.filter((id) => own.includes(id));
    const page = await store.call("listMemories", [pair], { offset: 5, limit: 10, now });
    expect(page.total).toBe(own.length);
    expect(page.memories.map((m: { id: string }) => m.id)).toEqual(ranked.slice(5, 15));
  });
});

// The search index (relay/store/lexical.ts): BM25 over the memories searched, kept up to date as
// memories are added, rewritten and deleted.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { rank, ScopeIndex, termsOf } from "../../relay/store/lexical.ts";

const score = (index: ScopeIndex | ScopeIndex[], terms: string[]) => [...rank([index].flat(), [{ terms, weight: 1 }])];

describe("search index", () => {
  it("reads words as the index keeps them: lowercase, accents dropped, stemmed", () => {
    expect(termsOf("The user's Café RUNS daily")).toEqual(["the", "user", "s", "cafe", "run", "daili"]);
  });

  it("ranks the memory with the word that is rare among these memories first, and a phrase only where its words are in a row", () => {
    const index = new ScopeIndex([
      { rowid: 1, memory: "The user is building a dance studio." },
      { rowid: 2, memory: "The user teaches at the dance studio." },
      { rowid: 3, memory: "The user wants sprung flooring for the studio." },
      { rowid: 4, memory: "The user likes ice and cream." },
      { rowid: 5, memory: "The user likes ice cream." },
    ]);
    expect(score(index, ["flooring", "dance", "studio"]).sort((a, b) => b[1] - a[1])[0][0]).toBe(3);
    expect(score(index, ["ice cream"]).map(([rowid]) => rowid)).toEqual([5]);
    expect(score(index, ["nothing"])).toEqual([]);
  });

  it("a word in most of a player's few memories still counts: those with it rank above one without", () => {
    const index = new ScopeIndex([
      { rowid: 1, memory: "The user loves to dance." },
      { rowid: 2, memory: "The user teaches dance on Sundays." },
      { rowid: 3, memory: "The user keeps bees." },
    ]);
    const scores = new Map(rank([index], [{ terms: ["dance"], weight: 1 }, { terms: ["user"], weight: 0.2, flat: true }]));
    expect(Math.min(scores.get(1)!, scores.get(2)!)).toBeGreaterThan(scores.get(3)! + 0.1);
  });

  it("an index kept up to date through adds, rewrites and deletes ranks as one read afresh", () => {
    const words = ["dance", "studio", "oak", "flooring", "falcon", "mare", "ash", "market", "ice", "cream"];
    const text = fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 6 }).map((ws) => `The user ${ws.join(" ")}.`);
    const step = fc.oneof(
      fc.record({ kind: fc.constant("add" as const), rowid: fc.integer({ min: 1, max: 12 }), text }),
      fc.record({ kind: fc.constant("remove" as const), rowid: fc.integer({ min: 1, max: 12 }) }),
    );
    fc.assert(fc.property(fc.array(step, { maxLength: 40 }), fc.subarray(words, { minLength: 1 }), (steps, query) => {
      const kept = new ScopeIndex();
      const rows = new Map<number, string>();
      for (const s of steps) {
        if (s.kind === "add") { kept.add(s.rowid, s.text); rows.set(s.rowid, s.text); } else { kept.remove(s.rowid); rows.delete(s.rowid); }
      }
      const fresh = new ScopeIndex([...rows].map(([rowid, memory]) => ({ rowid, memory })));
      const round = (r: [number, number][]) => r.map(([id, s]) => [id, s.toFixed(9)]).sort();
      expect(round(score(kept, query))).toEqual(round(score(fresh, query)));
      // two scopes searched together count as one collection
      const half = [...rows].map(([rowid, memory]) => ({ rowid, memory }));
      const split = [new ScopeIndex(half.filter((r) => r.rowid % 2)), new ScopeIndex(half.filter((r) => !(r.rowid % 2)))];
      expect(round(score(split, query))).toEqual(round(score(fresh, query)));
    }));
  });
});

// Search's related words come from WordNet read into memory once (relay/wordnet.ts): a lookup never
// reads the disk on the relay's thread, where a cold read would stall every socket.
import fs from "node:fs";
import { afterAll, expect, it, vi } from "vitest";
import { known, loadWordNet, related } from "../../relay/wordnet.ts";

afterAll(() => { vi.restoreAllMocks(); });

it("has no related words until WordNet is read, keeps none of those answers, and then never reads the disk", async () => {
  // the first lookup starts the reading and answers at once, without words
  expect(related("speech")).toEqual([]);
  expect(known("workout")).toBe(false);
  await loadWordNet();
  const reads = [vi.spyOn(fs, "readSync"), vi.spyOn(fs, "openSync"), vi.spyOn(fs, "readFileSync")];
  expect(related("speech")).toContain("speak");
  expect(related("puppy")).toContain("dog");
  expect(related("job")).toContain("occupation");
  for (const read of reads) expect(read).not.toHaveBeenCalled();
});

it("knows its words and phrases in any form: what search joins or splits a compound by", async () => {
  await loadWordNet();
  expect(known("workout")).toBe(true);
  expect(known("workouts")).toBe(true);
  expect(known("work_out")).toBe(true);
  expect(known("fire_fighter")).toBe(true);
  expect(known("worksat")).toBe(false);
  expect(known("work out")).toBe(false);
});

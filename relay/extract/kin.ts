// The user's family and pets: the words that name them, and the slots their memories are kept on
// ("family:sister:ana", "pet:dog:max", "pet:cat"). The extractor writes these slots; the store reads
// the named ones back for the next session's extraction, and merge compares pets by them. No NLP here:
// the relay's own thread imports this file.
import type { Kin } from "./extractor.ts";

export const FAMILY = new Set([
  "mom", "mother", "dad", "father", "parent", "sister", "brother", "sibling", "son", "daughter", "kid",
  "child", "wife", "husband", "partner", "spouse", "boyfriend", "girlfriend", "fiance", "fiancee",
  "grandma", "grandmother", "grandpa", "grandfather", "grandparent", "grandson", "granddaughter",
  "grandchild", "grandkid", "aunt", "uncle", "cousin", "niece", "nephew", "twin", "stepmom", "stepdad", "boy", "girl",
]);
export const PETS = new Set([
  "dog", "puppy", "cat", "kitten", "hamster", "rabbit", "bunny", "parrot", "bird", "fish", "goldfish",
  "turtle", "tortoise", "snake", "lizard", "gecko", "horse", "pony", "ferret", "rat", "mouse",
  "chinchilla", "hedgehog", "iguana", "budgie", "cockatiel",
]);

/** the slot of a relative or pet: "family:sister:ana", "pet:cat" */
export const kinSlot = (kind: string, name?: string) => `${FAMILY.has(kind) ? "family" : "pet"}:${kind}${name ? `:${name.toLowerCase()}` : ""}`;

/** What a relative's or pet's slot says: "pet:dog:max" → { pet: true, kind: "dog", name: "max" }; null for any other slot. */
export function slotKin(slot: string | null | undefined): { pet: boolean; kind: string; name?: string } | null {
  const m = /^(family|pet):([^:]+)(?::(.+))?$/.exec(slot ?? "");
  return m ? { pet: m[1] === "pet", kind: m[2], ...(m[3] ? { name: m[3] } : {}) } : null;
}

/**
 * The family and pets that memories on their slots name, from memories (slot and value) latest
 * first: each name once, with its latest kind; only names written as names ("Ana", not "two").
 */
export function namedKin(memories: { slot: string | null; value: string | null }[]): Kin[] {
  const seen = new Set<string>(), kin: Kin[] = [];
  for (const m of memories) {
    const k = slotKin(m.slot), name = m.value ?? "";
    if (!k?.name || seen.has(name.toLowerCase()) || !/^\p{Lu}[\p{L}'-]*$/u.test(name)) continue;
    seen.add(name.toLowerCase());
    kin.push({ name, kin: k.kind });
  }
  return kin;
}

// Scope keys and the identity of a session. '/' is not an Id character, so keys are unambiguous.
import type { Scope, Source } from "../../sdk/src/protocol.ts";
import type { Owner } from "./store.ts";

export function scopeKey(s: Scope): string {
  return s.kind === "pair" ? `pair/${s.endUserId}/${s.characterId}` : s.kind === "store" ? `store/${s.store}` : `character/${s.characterId}`;
}

export function ownerKey(o: Owner): string {
  return [o.endUserId, o.characterId, ...[...(o.memoryStores ?? [])].sort()].join("/");
}

/** The scopes a session writes extracted memories to: its shared stores, or else its private pair. */
export function writeScopes(o: Owner): Scope[] {
  return o.memoryStores?.length
    ? o.memoryStores.map((store) => ({ kind: "store" as const, store }))
    : [{ kind: "pair", endUserId: o.endUserId, characterId: o.characterId }];
}

/** The scopes a session reads: what it writes, plus the character's own knowledge. */
export function readScopes(o: Owner): Scope[] {
  return [...writeScopes(o), { kind: "character", characterId: o.characterId }];
}

/** Union of provenance lists, one entry per session, seqs sorted and distinct. */
export function mergeSources(a: Source[], b: Source[]): Source[] {
  const bySession = new Map<string, Set<number>>();
  for (const s of [...a, ...b]) {
    const seqs = bySession.get(s.sessionId) ?? new Set<number>();
    for (const q of s.seq) seqs.add(q);
    bySession.set(s.sessionId, seqs);
  }
  return [...bySession].map(([sessionId, seqs]) => ({ sessionId, seq: [...seqs].sort((x, y) => x - y) }));
}

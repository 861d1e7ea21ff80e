// Shared by the SDK suites: a fresh fake IndexedDB, a localStorage polyfill, reading the buffer with idb,
// and the clients of a suite that runs against a relay.
import "fake-indexeddb/auto";
import { IDBFactory } from "fake-indexeddb";
import { openDB } from "idb";
import { afterEach, beforeEach } from "vitest";
import { KeepsakeClient, type KeepsakeClientOptions, StaticEndUserIdProvider } from "../../sdk/src/index.ts";

/** A Storage in memory, as localStorage in a browser. */
export class MemoryStorage implements Storage {
  private items = new Map<string, string>();
  get length() { return this.items.size; }
  clear() { this.items.clear(); }
  getItem(key: string) { return this.items.get(key) ?? null; }
  key(i: number) { return [...this.items.keys()][i] ?? null; }
  removeItem(key: string) { this.items.delete(key); }
  setItem(key: string, value: string) { this.items.set(key, String(value)); }
}

/** A new, empty IndexedDB and localStorage: a fresh browser profile. */
export function freshBrowser() {
  globalThis.indexedDB = new IDBFactory();
  (globalThis as { localStorage?: Storage }).localStorage = new MemoryStorage();
}

/** Everything in the SDK's IndexedDB, read with idb directly. */
export async function readKeepsakeDb(): Promise<{ sessions: any[]; turns: any[] }> {
  if (!(await indexedDB.databases()).some((d) => d.name === "keepsake")) return { sessions: [], turns: [] };
  const db = await openDB("keepsake");
  try {
    if (!db.objectStoreNames.contains("sessions")) return { sessions: [], turns: [] };
    return { sessions: await db.getAll("sessions"), turns: await db.getAll("turns") };
  } finally {
    db.close();
  }
}

/**
 * For a suite of SDK tests against a relay: each test starts in a fresh browser profile and the
 * clients it made are closed after it. `ids()` gives each test a player and character of its own (so
 * tests share one relay without seeing each other); `client()` makes a KeepsakeClient against
 * `relayUrl()` (or `url`) with 5 s timeouts and, when `endUserId` is given, that static identity.
 */
export function relayClients(tag: string, relayUrl: () => string) {
  const made: KeepsakeClient[] = [];
  let n = 0;
  beforeEach(() => freshBrowser());
  afterEach(() => { for (const c of made.splice(0)) c.close(); });
  return {
    ids() {
      n++;
      return { endUserId: `${tag}-${n}-${Date.now()}`, characterId: `npc-${n}` };
    },
    client(opts: Partial<KeepsakeClientOptions> & { endUserId?: string } = {}, url = relayUrl()): KeepsakeClient {
      const { endUserId, ...rest } = opts;
      const c = new KeepsakeClient({
        relayUrl: url,
        characterId: rest.characterId ?? "npc",
        identity: endUserId ? new StaticEndUserIdProvider(endUserId) : undefined,
        timeoutMs: 5000,
        ...rest,
      });
      made.push(c);
      return c;
    },
  };
}

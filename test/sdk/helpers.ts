// Shared by the SDK suites: a fresh fake IndexedDB, a localStorage polyfill, reading the buffer with idb.
import "fake-indexeddb/auto";
import { IDBFactory } from "fake-indexeddb";
import { openDB } from "idb";

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

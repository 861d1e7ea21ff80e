// Who the end user is: the id every memory of theirs is keyed by.

/**
 * Supplies the end user's id (1 to 128 characters of `A-Z a-z 0-9 . _ : @ -`). Implement it to use
 * your own account id; the SDK asks once per `connect()`.
 */
export interface EndUserIdentityProvider {
  getEndUserId(): string | Promise<string>;
}

/** The localStorage key under which {@link DeviceEndUserIdProvider} keeps the device's id. */
export const DEVICE_ID_STORAGE_KEY = "keepsake.endUserId";

const DEVICE_ID = /^[0-9a-f]{32}$/;
/** Ids made for this page when localStorage is unavailable, so they are at least stable per page. */
const inMemoryIds = new Map<string, string>();

/**
 * The default identity: a random GUID of 32 lowercase hex characters made on first use and kept in
 * localStorage under {@link DEVICE_ID_STORAGE_KEY}, so the same browser profile is the same end
 * user across sessions. Clearing site data makes a new end user. If localStorage is unavailable
 * (blocked storage, some private modes) the id lives in memory for this page only, with a warning.
 */
export class DeviceEndUserIdProvider implements EndUserIdentityProvider {
  private readonly storageKey: string;
  private readonly onWarning: (message: string) => void;

  constructor(options: { storageKey?: string; onWarning?: (message: string) => void } = {}) {
    this.storageKey = options.storageKey ?? DEVICE_ID_STORAGE_KEY;
    this.onWarning = options.onWarning ?? ((m) => console.warn(`keepsake: ${m}`));
  }

  getEndUserId(): string {
    let storage: Storage | undefined;
    try {
      storage = globalThis.localStorage ?? undefined;
      const stored = storage?.getItem(this.storageKey);
      if (stored && DEVICE_ID.test(stored)) return stored;
    } catch {
      storage = undefined; // reading localStorage itself can throw (SecurityError)
    }
    if (storage) {
      const id = newDeviceId();
      try {
        storage.setItem(this.storageKey, id);
        return id;
      } catch {
        // quota or policy: fall through to the in-memory id
      }
    }
    let id = inMemoryIds.get(this.storageKey);
    if (!id) {
      id = newDeviceId();
      inMemoryIds.set(this.storageKey, id);
      this.onWarning("localStorage is unavailable: this device's end-user id lasts only until the page closes, so memories will not follow the player to the next visit");
    }
    return id;
  }
}

/** A fixed end-user id, e.g. your game's account id. */
export class StaticEndUserIdProvider implements EndUserIdentityProvider {
  constructor(private readonly id: string) {}
  getEndUserId(): string {
    return this.id;
  }
}

/** @internal 32 lowercase hex characters of randomness (a v4 UUID without dashes). */
export function newDeviceId(): string {
  return randomUuid().replace(/-/g, "");
}

/** @internal A v4 UUID; crypto.randomUUID exists only in secure contexts, getRandomValues everywhere. */
export function randomUuid(): string {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === "function") return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

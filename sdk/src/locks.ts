// Who may touch a buffered session: Web Locks named after it, shared by every tab of the origin.
// A live session holds its lock for as long as it records; whoever ships a session from the outbox
// (a connect(), the background retry, another tab) takes the lock only if it is free, so each
// session is shipped by exactly one of them. Where Web Locks are missing (Node, old browsers) the
// same rule holds within this page only.

/** @internal */
export const lockName = (sessionId: string) => `keepsake:session:${sessionId}`;

/** Lock names held in this page, where navigator.locks is missing. */
const local = new Set<string>();

const webLocks = (): LockManager | undefined => globalThis.navigator?.locks;

/** @internal Holds the lock until the returned function is called (queued behind a holder, if any). */
export function holdLock(name: string): () => void {
  const locks = webLocks();
  if (!locks) {
    local.add(name);
    return () => local.delete(name);
  }
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  locks.request(name, () => held).catch(() => {});
  return release;
}

/**
 * @internal Runs `fn` holding the lock if nobody holds it now; resolves to undefined without
 * running it otherwise (another tab or flow has that session).
 */
export async function tryLock<T>(name: string, fn: () => Promise<T>): Promise<T | undefined> {
  const locks = webLocks();
  if (!locks) {
    if (local.has(name)) return undefined;
    local.add(name);
    try {
      return await fn();
    } finally {
      local.delete(name);
    }
  }
  return locks.request(name, { ifAvailable: true }, (lock) => (lock ? fn() : undefined));
}

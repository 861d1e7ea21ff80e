/**
 * Keepsake: long-term memory for game characters, the browser SDK.
 *
 * ```ts
 * import { KeepsakeClient } from "keepsake";
 *
 * const client = new KeepsakeClient({ relayUrl: "http://127.0.0.1:8787", characterId: "blacksmith" });
 * client.on("memoriesUpdated", (p) => console.log(p.context));
 * const session = await client.connect();          // memories injected: session.memories, session.context
 * await session.recordUserTurn("I'm Jordan. I live in Denver.");
 * await session.recordCharacterTurn("Welcome, Jordan!");
 * await session.recordEvent("completed the confined-space entry certification");
 * const { text } = session.prompt({ recentTurns: 10 }); // memories + the conversation so far, for your LLM
 * await session.end();                             // ships the transcript; extraction follows on the relay
 * session.close();                                 // or keep it open for memoriesUpdated / sessionProcessed
 * ```
 *
 * Lifetime of a session's connection: it opens in `connect()` and stays open after `end()`, so the
 * `sessionProcessed` and `memoriesUpdated` that follow still arrive; it closes on `session.close()`,
 * `client.close()`, or the client's next `connect()` (which closes the sessions that have ended). A
 * failed `end()` closes it at once. While a session is open, socket.io reconnects by itself after a
 * dropped connection (its default backoff); the relay injects the memories again on reconnection
 * (`memoriesInjected` fires again).
 *
 * Durability: each turn is written to IndexedDB (database "keepsake") before `record*()` resolves.
 * A session stays there until the relay acknowledged its end; the next `connect()` of the same
 * player, character and stores ships whatever an earlier page left behind (a closed tab, a relay
 * that was down). When the page is hidden or unloaded (`visibilitychange`, `pagehide`), each live
 * session also sends its turns the relay may lack with `fetch(…, { keepalive: true })`, as much as
 * the browser's 64 KB keepalive budget allows, oldest first. After a failed `end()` the SDK retries
 * in the background while the page lives (backoff with jitter, at once on `online`) and reports
 * `sessionShipped`. Each buffered session is shipped by one tab only, under a Web Lock; sessions
 * still live in another tab are left alone. If IndexedDB is unavailable (private modes), full
 * (quota) or stuck (another tab's blocked version upgrade), the SDK says so on `warning` and keeps
 * buffering in memory: `record*()` still resolves and `end()` still ships everything.
 *
 * @module
 */
export { KeepsakeClient } from "./client.ts";
export type { KeepsakeClientOptions, KeepsakeEventName, KeepsakeEvents, MemorySettings, RetryOptions } from "./client.ts";
export { MemorySession } from "./session.ts";
export type { EndResult, Prompt, PromptOptions } from "./session.ts";
export { MemoryManager } from "./memories.ts";
export { estimateTokens } from "./tokens.ts";
export { DEVICE_ID_STORAGE_KEY, DeviceEndUserIdProvider, StaticEndUserIdProvider } from "./identity.ts";
export type { EndUserIdentityProvider } from "./identity.ts";
export { KeepsakeError } from "./errors.ts";
export type { KeepsakeErrorCode } from "./errors.ts";
export { ERROR_CODES, LIMITS, PROTOCOL_VERSION } from "./protocol.ts";
export type {
  ErrorCode, MemoriesPayload, MemoriesUpdatedPayload, MemoryAddResult, MemoryEvent, MemoryPage, MemoryRecord, Role, Scope,
  ScoredMemory, SessionProcessedPayload, Source, Turn,
} from "./protocol.ts";

// MemoryManager: the player's own memories through the relay's REST API, for a "what do you
// remember about me / forget this" screen.
import * as z from "zod/mini";
import { describe, errorFromBody, KeepsakeError, tokenExpired } from "./errors.ts";
import {
  AddMemoriesAnswer, AddMemoriesBody, DeleteMemoriesAnswer, DeleteMemoryAnswer, describeZodError, Id, type MemoryAddResult, MemoryPage, PageQuery,
} from "./protocol.ts";
import { validationError } from "./session.ts";

/** @internal What the client hands its memory manager. */
export interface MemoryManagerInit {
  relayUrl: string;
  characterId: string;
  /** the current player's id (the client's identity provider) */
  endUserId: () => Promise<string>;
  /** the player's token for a request, as for a handshake; undefined in open mode */
  token: (endUserId: string) => Promise<string | undefined>;
  timeoutMs: number;
}

/**
 * The player's own memories of this client's character (the private pair memory; shared stores and
 * character knowledge are the operator's, through the admin API). `client.memories`.
 *
 * In token mode every request carries the player's token (`tokenProvider` or `token`, asked for each
 * request as for each connection, and once more when the relay says it expired); in open mode none.
 * It works whatever `settings.isEnabled` says: a player who turned memory off may still see and erase
 * what was kept. Connected sessions hear the change on `memoriesUpdated`.
 *
 * Every method rejects with a KeepsakeError: the relay's code (`E_NOT_FOUND` for a memory that is not
 * this player's, `E_UNAUTHORIZED`, `E_FORBIDDEN`, `E_RATE_LIMITED`, ...), `E_NETWORK`, `E_TIMEOUT`.
 */
export class MemoryManager {
  /** @internal Made by the KeepsakeClient. */
  constructor(private readonly init: MemoryManagerInit) {}

  /** One page of the player's memories, ranked as the relay injects them (pinned first). `page` from 1, `pageSize` 1 to 100 (default 50). */
  async list(options: { page?: number; pageSize?: number } = {}): Promise<MemoryPage> {
    const q = PageQuery.safeParse(options);
    if (!q.success) throw validationError(q.error, "memories.list");
    return this.call("GET", `?page=${q.data.page}&pageSize=${q.data.pageSize}`, undefined, MemoryPage, "list");
  }

  /**
   * Adds memories (1 to 100 texts, each at most 1,000 characters), merged like extracted ones: a
   * repeat is a `noop`, a new value for a known slot (the name, the home...) an `update`. Text that
   * reads as an instruction to the character is refused with `E_BAD_REQUEST`; secrets are redacted.
   */
  async add(memories: string | string[]): Promise<MemoryAddResult[]> {
    const body = AddMemoriesBody.safeParse({ memories: typeof memories === "string" ? [memories] : memories });
    if (!body.success) throw validationError(body.error, "memories.add");
    return (await this.call("POST", "", body.data, AddMemoriesAnswer, "add")).results;
  }

  /** Deletes one of the player's memories by its `id`; `E_NOT_FOUND` if it is not theirs (or is gone). */
  async delete(id: string): Promise<void> {
    if (!Id.safeParse(id).success) throw new KeepsakeError("E_BAD_REQUEST", `memories.delete: ${JSON.stringify(id)} is not a memory id`);
    await this.call("DELETE", `/${encodeURIComponent(id)}`, undefined, DeleteMemoryAnswer, "delete");
  }

  /** Deletes every memory of the player with this character; resolves to how many there were. */
  async clear(): Promise<number> {
    return (await this.call("DELETE", "", undefined, DeleteMemoriesAnswer, "clear")).deleted;
  }

  /** One request to the player's memories route; once more with a fresh token if the relay says it expired. */
  private async call<T>(method: string, suffix: string, body: unknown, answer: z.ZodMiniType<T>, what: string): Promise<T> {
    const context = `memories.${what}`;
    const { relayUrl, characterId } = this.init;
    const endUserId = await this.init.endUserId();
    const url = `${relayUrl.replace(/\/+$/, "")}/v1/users/${encodeURIComponent(endUserId)}/characters/${encodeURIComponent(characterId)}/memories${suffix}`;
    let res = await this.send(method, url, body, await this.init.token(endUserId), context);
    if (res.status === 401 && tokenExpired(errorFromBody(res.body, context))) {
      res = await this.send(method, url, body, await this.init.token(endUserId), context);
    }
    if (!res.ok) throw errorFromBody(res.body, context);
    const p = answer.safeParse(res.body);
    if (!p.success) throw new KeepsakeError("E_INTERNAL", `${context}: malformed answer from the relay (${describeZodError(p.error)})`);
    return res.body as T; // as sent, so fields a newer relay adds reach the game
  }

  /** One fetch of `url`: its status and JSON body (undefined if none); E_TIMEOUT or E_NETWORK when the relay does not answer. */
  private async send(method: string, url: string, body: unknown, token: string | undefined, context: string) {
    const headers: Record<string, string> = {};
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.init.timeoutMs);
    try {
      const r = await fetch(url, {
        method, headers, credentials: "omit", signal: abort.signal, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { ok: r.ok, status: r.status, body: await r.json().catch(() => undefined) };
    } catch (e) {
      if (abort.signal.aborted) throw new KeepsakeError("E_TIMEOUT", `${context}: the relay at ${this.init.relayUrl} did not answer in ${this.init.timeoutMs} ms`, { cause: e });
      throw new KeepsakeError("E_NETWORK", `${context}: the relay at ${this.init.relayUrl} is unreachable (${describe(e)})`, { cause: e });
    } finally {
      clearTimeout(timer);
    }
  }
}

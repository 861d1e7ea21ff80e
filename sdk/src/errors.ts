// KeepsakeError: every failure the SDK reports, with a code a game can switch on.
import { ErrorBody, type ErrorCode } from "./protocol.ts";

/**
 * The code of a {@link KeepsakeError}: one of the protocol's error codes (`E_BAD_REQUEST`,
 * `E_UNAUTHORIZED`, `E_FORBIDDEN`, `E_NOT_FOUND`, `E_CONFLICT`, `E_TOO_LARGE`, `E_RATE_LIMITED`,
 * `E_INTERNAL`), or one of the client's own:
 * - `E_NETWORK`: the relay is unreachable, or the connection dropped while waiting for it;
 * - `E_TIMEOUT`: the relay did not answer in time.
 */
export type KeepsakeErrorCode = ErrorCode | "E_NETWORK" | "E_TIMEOUT";

/** The one error type the SDK rejects with or emits on `error`. */
export class KeepsakeError extends Error {
  /** What went wrong, for code to switch on; `message` says it for a developer. */
  readonly code: KeepsakeErrorCode;

  constructor(code: KeepsakeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "KeepsakeError";
    this.code = code;
  }
}

/** @internal A KeepsakeError from a relay's `{ code, message }` body, or E_INTERNAL if it is not one. */
export function errorFromBody(body: unknown, context: string): KeepsakeError {
  const parsed = ErrorBody.safeParse(body);
  if (parsed.success) return new KeepsakeError(parsed.data.code, `${context}: ${parsed.data.message}`);
  return new KeepsakeError("E_INTERNAL", `${context}: the relay answered with a malformed error`);
}

/**
 * @internal True for the relay's refusal of an expired token (`E_UNAUTHORIZED`, the message starts
 * with "token expired"): worth one more try with a fresh token.
 */
export function tokenExpired(error: KeepsakeError): boolean {
  return error.code === "E_UNAUTHORIZED" && /\btoken expired\b/.test(error.message);
}

/** @internal Wraps anything thrown into a KeepsakeError (socket.io's ack timeout and disconnect included). */
export function toKeepsakeError(error: unknown, context: string): KeepsakeError {
  if (error instanceof KeepsakeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/timed out/i.test(message)) return new KeepsakeError("E_TIMEOUT", `${context}: the relay did not answer in time`, { cause: error });
  if (/disconnected/i.test(message)) return new KeepsakeError("E_NETWORK", `${context}: the connection to the relay was lost`, { cause: error });
  return new KeepsakeError("E_INTERNAL", `${context}: ${message}`, { cause: error });
}

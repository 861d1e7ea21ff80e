// KeepsakeError: every failure the SDK reports, with a code a game can switch on.
import * as z from "zod/mini";
import { ErrorBody, type ErrorCode } from "./protocol.ts";

// zod's English messages, as the relay gives them, for the issues the SDK's schemas raise from what
// a game passes in (e.g. `text: Too big: expected string to have <=4000 characters`); zod's whole
// English locale stays with the relay. Anything else says "Invalid input", with its path.
const UNITS: Record<string, string> = { string: "characters", array: "items" };
const shown = (v: unknown) => (typeof v === "string" ? `"${v}"` : String(v));
const received = (v: unknown) =>
  typeof v === "number" ? (Number.isFinite(v) ? "number" : String(v))
  : v === null ? "null"
  : Array.isArray(v) ? "array"
  : typeof v === "object" && Object.getPrototypeOf(v) !== Object.prototype && v.constructor ? v.constructor.name
  : typeof v;
z.config({
  localeError: (i) => {
    switch (i.code) {
      case "invalid_type":
        return `Invalid input: expected ${i.expected}, received ${received(i.input)}`;
      case "invalid_value":
        return i.values.length === 1 ? `Invalid input: expected ${shown(i.values[0])}` : `Invalid option: expected one of ${i.values.map(shown).join("|")}`;
      case "too_big":
      case "too_small": {
        const big = i.code === "too_big";
        const unit = UNITS[i.origin];
        const bound = `${big ? "<" : ">"}${i.inclusive ? "=" : ""}${big ? i.maximum : i.minimum}`;
        return `Too ${big ? "big" : "small"}: expected ${i.origin} to ${unit ? `have ${bound} ${unit}` : `be ${bound}`}`;
      }
      case "invalid_format":
        return i.format === "regex" ? `Invalid string: must match pattern ${i.pattern}` : `Invalid ${i.format === "datetime" ? "ISO datetime" : i.format}`;
      default:
        return "Invalid input";
    }
  },
});

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

/** @internal An error as one line; DOMExceptions say most in their name (QuotaExceededError, InvalidStateError). */
export function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  return e.name && e.name !== "Error" ? `${e.name}${e.message ? `: ${e.message}` : ""}` : e.message;
}

/** @internal Wraps anything thrown into a KeepsakeError (socket.io's ack timeout and disconnect included). */
export function toKeepsakeError(error: unknown, context: string): KeepsakeError {
  if (error instanceof KeepsakeError) return error;
  const message = describe(error);
  if (/timed out/i.test(message)) return new KeepsakeError("E_TIMEOUT", `${context}: the relay did not answer in time`, { cause: error });
  if (/disconnected/i.test(message)) return new KeepsakeError("E_NETWORK", `${context}: the connection to the relay was lost`, { cause: error });
  return new KeepsakeError("E_INTERNAL", `${context}: ${message}`, { cause: error });
}

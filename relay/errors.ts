// Protocol errors: one class with a code from PROTOCOL.md, like Hono's HTTPException.
import * as z from "zod/mini";
import { en } from "zod/locales";
import { describeZodError, type ErrorBody, type ErrorCode, errorCodeFor, HTTP_STATUS } from "../sdk/src/protocol.ts";
import { log } from "./log.ts";

// zod's English messages for every validation failure the relay reports
z.config(en());

export class ProtocolError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
    this.name = "ProtocolError";
  }
  get status(): number {
    return HTTP_STATUS[this.code];
  }
}

/**
 * Validates `value` with `schema`, coded by `errorCodeFor` (over a limit: E_TOO_LARGE), or always
 * E_BAD_REQUEST when `tooLarge` is false, as for the handshake.
 */
export function parse<S extends z.ZodMiniType>(schema: S, value: unknown, what: string, tooLarge = true): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new ProtocolError(tooLarge ? errorCodeFor(r.error) : "E_BAD_REQUEST", `${what}: ${describeZodError(r.error)}`);
}

/** Any thrown value as the wire's `{ code, message }`; unexpected errors are logged and become E_INTERNAL. */
export function errorBody(e: unknown): ErrorBody {
  if (e instanceof ProtocolError) return { code: e.code, message: e.message };
  log.error("keepsake: internal error", { err: e });
  return { code: "E_INTERNAL", message: "internal error; the relay logged the details" };
}

// End-user tokens (KEEPSAKE_AUTH=token): JWTs the game's backend signs for its player, verified with
// jose. HS256 with a shared secret, and EdDSA/ES256 with public keys from a JWKS. The claims say who
// the player is (`sub`), which characters (`chr`) and memory stores (`sto`) they may reach.
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey, jwtVerify } from "jose";
import { describeZodError, TokenClaims } from "../sdk/src/protocol.ts";
import { ProtocolError } from "./errors.ts";

/** Seconds of clock skew allowed between the backend that signs tokens and the relay (`exp`, `nbf`, `iat`). */
export const CLOCK_TOLERANCE_S = 30;
/** The shortest HS256 secret accepted: 256 bits, the size of the hash (RFC 7518, 3.2). */
export const MIN_SECRET_BYTES = 32;
/** An expired token's refusal starts with this, so that a client knows to ask for a fresh one. */
export const TOKEN_EXPIRED = "token expired";

const ASYMMETRIC = ["EdDSA", "Ed25519", "ES256"];

/** What a verified token allows. */
export interface Grant {
  endUserId: string;
  characters: "*" | string[];
  stores: string[];
}

/** Who a handshake or a request acts as. */
export interface Claimed {
  endUserId: string;
  characterId: string;
  memoryStores?: string[];
}

/** A JWKS from inline JSON or a file's text: only public EC (P-256) and OKP (Ed25519) keys. Throws an Error saying what is wrong. */
export function parseJwks(text: string): JSONWebKeySet {
  let jwks: unknown;
  try {
    jwks = JSON.parse(text);
  } catch {
    throw new Error("is not JSON");
  }
  const keys = (jwks as JSONWebKeySet | null)?.keys;
  if (!Array.isArray(keys) || !keys.length) throw new Error('is not a JWKS: expected {"keys": [ ...public keys ]}');
  for (const [i, k] of keys.entries()) {
    if ("d" in k || k.kty === "oct") throw new Error(`key ${i} is a private or secret key; a JWKS here holds public keys only`);
    if (!((k.kty === "OKP" && k.crv === "Ed25519") || (k.kty === "EC" && k.crv === "P-256"))) {
      throw new Error(`key ${i} (kty ${k.kty}, crv ${k.crv}) is not an Ed25519 or P-256 public key`);
    }
  }
  createLocalJWKSet(jwks as JSONWebKeySet); // throws on a malformed set
  return jwks as JSONWebKeySet;
}

export class Tokens {
  readonly #secret?: Uint8Array;
  readonly #jwks?: JWTVerifyGetKey;
  readonly #algorithms: string[];
  readonly #tolerance: number;

  constructor(opts: { secret?: string; jwks?: JSONWebKeySet; clockToleranceS?: number }) {
    if (opts.secret) this.#secret = new TextEncoder().encode(opts.secret);
    if (opts.jwks) this.#jwks = createLocalJWKSet(opts.jwks);
    this.#algorithms = [...(this.#secret ? ["HS256"] : []), ...(this.#jwks ? ASYMMETRIC : [])];
    if (!this.#algorithms.length) throw new Error("token mode needs a secret or a JWKS");
    this.#tolerance = opts.clockToleranceS ?? CLOCK_TOLERANCE_S;
  }

  /** The grant of a valid token; E_UNAUTHORIZED saying why for a missing, malformed, forged or expired one. */
  async verify(token: string | undefined): Promise<Grant> {
    if (!token) throw new ProtocolError("E_UNAUTHORIZED", "this relay runs in token mode: send the end user's token (a JWT signed by the game's backend)");
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, (header, jws) => (header.alg === "HS256" ? this.#secret! : this.#jwks!(header, jws)), {
        algorithms: this.#algorithms,
        clockTolerance: this.#tolerance,
        requiredClaims: ["exp", "sub"],
      }));
    } catch (e) {
      throw new ProtocolError("E_UNAUTHORIZED", this.#why(e));
    }
    const r = TokenClaims.safeParse(payload);
    if (!r.success) throw new ProtocolError("E_UNAUTHORIZED", `token claims: ${describeZodError(r.error)}`);
    const claims = r.data;
    return { endUserId: claims.sub, characters: claims.chr, stores: claims.sto ?? [] };
  }

  #why(e: unknown): string {
    if (e instanceof errors.JWTExpired) return `${TOKEN_EXPIRED}: ask the game's backend for a fresh one`;
    if (e instanceof errors.JWTClaimValidationFailed) return `token refused: ${e.message}`;
    if (e instanceof errors.JWSSignatureVerificationFailed) return "token signature does not verify: signed with another key, or changed since";
    if (e instanceof errors.JOSEAlgNotAllowed || e instanceof errors.JOSENotSupported) {
      return `token algorithm not accepted: this relay takes ${this.#algorithms.join(", ")}`;
    }
    if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWKSMultipleMatchingKeys) return "no key of KEEPSAKE_TOKEN_JWKS matches the token's kid and alg";
    return "token is not a valid signed JWT";
  }
}

/** E_FORBIDDEN unless `grant` is for `who`'s end user, character and every one of its memory stores. */
export function authorize(grant: Grant, who: Claimed): void {
  if (grant.endUserId !== who.endUserId) {
    throw new ProtocolError("E_FORBIDDEN", `the token is for end user ${grant.endUserId}, not ${who.endUserId}`);
  }
  if (grant.characters !== "*" && !grant.characters.includes(who.characterId)) {
    throw new ProtocolError("E_FORBIDDEN", `the token does not grant character ${who.characterId} (its chr claim)`);
  }
  const store = who.memoryStores?.find((s) => !grant.stores.includes(s));
  if (store) throw new ProtocolError("E_FORBIDDEN", `the token does not grant memory store ${store} (its sto claim)`);
}

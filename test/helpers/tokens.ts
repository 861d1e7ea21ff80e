// End-user tokens as a game's backend mints them, signed with jose; and the relay in token mode.
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { type Relay, startRelay } from "./relay.ts";

/** The HS256 secret of the token-mode relays in tests (at least 32 bytes, as the relay requires). */
export const SECRET = "test-secret-at-least-32-bytes-long!!";
export const ADMIN_KEY = "test-admin-key-5c1e0b";

export interface Claims { sub?: string; chr?: unknown; sto?: unknown; exp?: number; [claim: string]: unknown }

/** Seconds since 1970, `s` seconds from now (negative: in the past). */
export const inSeconds = (s: number) => Math.floor(Date.now() / 1000) + s;

/** A token signed with `key` under `alg` (`kid` in its header when given); claims as given, none added. */
export function sign(claims: Claims, key: CryptoKey | Uint8Array, alg: string, kid?: string): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, typ: "JWT", ...(kid ? { kid } : {}) }).sign(key);
}

/** An HS256 token with the tests' secret (or `secret`). */
export function hs256(claims: Claims, secret = SECRET): Promise<string> {
  return sign(claims, new TextEncoder().encode(secret), "HS256");
}

/** A fresh key pair: the private key to sign with, and the public key as a JWK for the relay's JWKS. */
export async function keyPair(alg: "EdDSA" | "ES256", kid: string): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === "EdDSA" ? { crv: "Ed25519" } : {}) });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

/** A relay in token mode with the tests' secret and admin key, plus `env`. */
export function startTokenRelay(env: Record<string, string> = {}): Promise<Relay> {
  return startRelay({ env: { KEEPSAKE_AUTH: "token", KEEPSAKE_TOKEN_SECRET: SECRET, KEEPSAKE_ADMIN_KEY: ADMIN_KEY, ...env } });
}

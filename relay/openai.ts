// What the LLM extractor (extract/llm.ts) and the embeddings client (embeddings.ts) share about an
// OpenAI-compatible server: where its routes are, its bearer key, and one POST that ky retries on
// 408, 429, 5xx and network errors with doubling backoff, honouring Retry-After.
import ky, { type ResponsePromise } from "ky";

/** An OpenAI-compatible server as configured: `KEEPSAKE_LLM_*` or `KEEPSAKE_EMBEDDINGS_*`. */
export interface Endpoint {
  /** the server's base URL, with or without `/v1`: `https://api.openai.com/v1`, `http://127.0.0.1:11434` */
  url: string;
  model: string;
  apiKey?: string;
}

/** The URL of `route` ("chat/completions", "embeddings") under a base URL given with or without `/v1`. */
export function routeUrl(base: string, route: string): string {
  return `${base.replace(/\/+$/, "").replace(/\/v1$/, "")}/v1/${route}`;
}

/** A URL fit for a log line: no user or password in it. */
export function shownUrl(url: string): string {
  const shown = new URL(url);
  shown.username = shown.password = "";
  return String(shown);
}

/** Never let the key reach a note or a log, whatever an endpoint echoes. */
export function scrub(text: string, apiKey: string | undefined): string {
  return apiKey ? text.replaceAll(apiKey, "***") : text;
}

export interface PostOptions {
  apiKey?: string;
  /** one attempt's time limit, until the headers arrive */
  timeoutMs: number;
  /** attempts in all */
  attempts: number;
  /** the wait before retry n (1, 2, …) */
  delay: (n: number) => number;
  /** the longest Retry-After honoured */
  maxRetryAfter: number;
  jitter?: (ms: number) => number;
  signal?: AbortSignal;
  /** told the number of the attempt about to start (2, 3, …) */
  onRetry?: (attempt: number) => void;
}

/** POSTs `json` to `url` with the key as a bearer token; throws ky's HTTPError or TimeoutError when every attempt failed. */
export function post(url: string, json: unknown, o: PostOptions): ResponsePromise {
  return ky.post(url, {
    json,
    headers: o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {},
    timeout: o.timeoutMs,
    signal: o.signal,
    retry: {
      limit: o.attempts - 1,
      methods: ["post"],
      statusCodes: [408, 429, 500, 502, 503, 504],
      afterStatusCodes: [429, 503],
      maxRetryAfter: o.maxRetryAfter,
      delay: o.delay,
      ...(o.jitter ? { jitter: o.jitter } : {}),
    },
    hooks: o.onRetry ? { beforeRetry: [({ retryCount }) => o.onRetry!(retryCount + 1)] } : {},
  });
}

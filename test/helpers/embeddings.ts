// An OpenAI-compatible embeddings server in the test process (`POST /v1/embeddings`, `{ model, input }`
// → `{ object: "list", data: [{ object: "embedding", embedding, index }], model, usage }`), for the
// relay to call as it would call OpenAI, Ollama or llama.cpp. Its vectors are deterministic: each
// content word, mapped through a small synonym table (puppy, hound, beagle → dog; strolls → walk;
// player → user), counts one in a dimension chosen by hashing it. Texts with the same content words
// after that mapping get the same vector; texts sharing none are orthogonal. Like real models, it
// does not see negation: "not", "never" are stop words here.
import http from "node:http";
import type { AddressInfo } from "node:net";

export const DIMENSIONS = 256;

const SYNONYMS: Record<string, string> = {
  puppy: "dog", pup: "dog", hound: "dog", beagle: "dog", dogs: "dog",
  strolls: "walk", stroll: "walk", walks: "walk", walked: "walk", walking: "walk",
  player: "user",
};
const STOP = new Set(("a an the of in on at to and or with their them they is are was does do did has have had " +
  "every each not never no longer anymore any this that it its for from by").split(" "));

/** The content words of `text` as the fake model sees them. */
export function meaning(text: string): string[] {
  return (text.toLowerCase().match(/[a-z0-9]+/g) ?? []).filter((w) => !STOP.has(w)).map((w) => SYNONYMS[w] ?? w);
}

export function vector(text: string): number[] {
  const v = new Array<number>(DIMENSIONS).fill(0);
  for (const w of meaning(text)) {
    let h = 2166136261;
    for (const c of w) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
    v[(h >>> 0) % DIMENSIONS] += 1;
  }
  return v;
}

export interface FakeEmbeddings {
  url: string;
  /** "ok" answers; "down" answers 503 with OpenAI's error body; "hang" never answers */
  mode: "ok" | "down" | "hang";
  /** every request received: its Authorization header, model and inputs */
  requests: { authorization?: string; model: string; input: string[] }[];
  /** every text embedded so far */
  embedded(): string[];
  close(): Promise<void>;
}

export async function startFakeEmbeddings(): Promise<FakeEmbeddings> {
  const hanging = new Set<http.ServerResponse>();
  const fake: FakeEmbeddings = {
    url: "", mode: "ok", requests: [],
    embedded: () => fake.requests.flatMap((r) => r.input),
    close: () => {
      for (const res of hanging) res.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
  const server = http.createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const send = (status: number, payload: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(payload));
    if (req.method !== "POST" || req.url !== "/v1/embeddings") return send(404, { error: { message: `no route ${req.method} ${req.url}`, type: "invalid_request_error" } });
    let parsed: { model?: unknown; input?: unknown };
    try { parsed = JSON.parse(body); } catch { return send(400, { error: { message: "body is not JSON", type: "invalid_request_error" } }); }
    const input = typeof parsed.input === "string" ? [parsed.input] : parsed.input;
    if (typeof parsed.model !== "string" || !Array.isArray(input) || !input.every((t) => typeof t === "string")) {
      return send(400, { error: { message: "model (string) and input (string or string[]) are required", type: "invalid_request_error" } });
    }
    if (fake.mode === "hang") { hanging.add(res); return; }
    if (fake.mode === "down") return send(503, { error: { message: "The server is overloaded", type: "server_error" } });
    fake.requests.push({ authorization: req.headers.authorization, model: parsed.model, input });
    send(200, {
      object: "list", model: parsed.model,
      // listed last first: a client must place each by its index
      data: input.map((text, index) => ({ object: "embedding", index, embedding: vector(text) })).reverse(),
      usage: { prompt_tokens: input.length, total_tokens: input.length },
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

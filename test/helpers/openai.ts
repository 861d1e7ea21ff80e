// A stand-in for an OpenAI-compatible chat-completions server, in the test process, for the relay's
// LLM extractor. It speaks the real HTTP API: POST /v1/chat/completions with a JSON body of model,
// messages and response_format; a bearer key; errors as `{ error: { message, type, param, code } }`
// with their HTTP status. What it answers comes from recorded replies in test/fixtures/llm/*.json
// (`{ status, headers, body }`), played in the order a test scripts them; the last one repeats.
// It refuses what OpenAI refuses: a wrong key (401), a body without model or messages, a strict
// JSON schema that OpenAI would reject (400).
import fs from "node:fs";
import http from "node:http";
import path from "node:path";

const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/llm");

export interface Fixture { status: number; headers?: Record<string, string>; body: any }

/** A recorded reply by name (test/fixtures/llm/<name>.json). */
export function fixture(name: string): Fixture {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), "utf8"));
}

/** The facts a recorded completion carries, parsed from its message content. */
export function factsOf(name: string): { text: string; slot: string | null; value: string | null; seq: number[] }[] {
  return JSON.parse(fixture(name).body.choices[0].message.content).facts;
}

/** A fixture name; "hang": take the request and never answer; "stall": send the headers and half a body, then nothing. */
export type Step = string;

export interface Request {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** the parsed JSON body (undefined when it was not JSON) */
  body: any;
  /** Date.now() when it arrived */
  at: number;
}

export interface FakeOpenAI {
  /** base URL with `/v1`, as OpenAI's own: http://127.0.0.1:PORT/v1 */
  url: string;
  /** every request received, in order */
  requests: Request[];
  /** the replies to give next, in order; the last repeats. Clears `requests`. */
  script(...steps: Step[]): void;
  close(): Promise<void>;
}

const openAiError = (status: number, message: string, type: string, code: string | null): Fixture =>
  ({ status, body: { error: { message, type, param: null, code } } });

/** OpenAI's own masking of a key in its 401 message: sk-proj-****abcd */
const mask = (key: string) => (key.length > 12 ? `${key.slice(0, 8)}${"*".repeat(key.length - 12)}${key.slice(-4)}` : "****");

/** Why OpenAI would refuse this strict schema (every object closed, every key required), or null. */
function strictSchemaProblem(schema: any, at = "root"): string | null {
  if (!schema || typeof schema !== "object") return `${at} is not a schema`;
  if (schema.type === "object" || (Array.isArray(schema.type) && schema.type.includes("object"))) {
    if (schema.additionalProperties !== false) return `In context=${at}, 'additionalProperties' is required to be supplied and to be false.`;
    const keys = Object.keys(schema.properties ?? {});
    const required = Array.isArray(schema.required) ? schema.required : [];
    const missing = keys.filter((k) => !required.includes(k));
    if (missing.length) return `In context=${at}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing[0]}'.`;
    for (const k of keys) {
      const p = strictSchemaProblem(schema.properties[k], `${at}.${k}`);
      if (p) return p;
    }
  }
  if (schema.items) return strictSchemaProblem(schema.items, `${at}.items`);
  return null;
}

/** Why OpenAI would answer 400 to this body, or null. */
function badRequest(body: any): string | null {
  if (!body || typeof body !== "object") return "We could not parse the JSON body of your request.";
  if (typeof body.model !== "string" || !body.model) return "you must provide a model parameter";
  if (!Array.isArray(body.messages) || !body.messages.length) return "Invalid 'messages': empty array. Expected an array with minimum length 1.";
  for (const m of body.messages) {
    if (!["system", "user", "assistant", "developer", "tool"].includes(m?.role) || typeof m?.content !== "string") return "Invalid value for 'messages': each message needs a role and content.";
  }
  const rf = body.response_format;
  if (rf !== undefined) {
    if (!["text", "json_object", "json_schema"].includes(rf?.type)) return `Invalid value: '${rf?.type}'. Supported values are: 'text', 'json_object', and 'json_schema'.`;
    if (rf.type === "json_schema") {
      if (typeof rf.json_schema?.name !== "string" || !/^[a-zA-Z0-9_-]{1,64}$/.test(rf.json_schema.name)) return "Missing required parameter: 'response_format.json_schema.name'.";
      if (rf.json_schema.strict === true) {
        const p = strictSchemaProblem(rf.json_schema.schema);
        if (p) return `Invalid schema for response_format '${rf.json_schema.name}': ${p}`;
      }
    }
  }
  return null;
}

export async function startFakeOpenAI(opts: { apiKey: string }): Promise<FakeOpenAI> {
  const requests: Request[] = [];
  let steps: Step[] = [];
  let next = 0;

  const send = (res: http.ServerResponse, f: Fixture) => {
    res.writeHead(f.status, { "content-type": "application/json", ...f.headers });
    res.end(JSON.stringify(f.body));
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      let body: any;
      try { body = JSON.parse(Buffer.concat(chunks).toString("utf8")); } catch { body = undefined; }
      const url = new URL(req.url ?? "/", "http://x");
      requests.push({ method: req.method ?? "", path: url.pathname, headers: req.headers, body, at: Date.now() });

      if (req.method !== "POST" || url.pathname !== "/v1/chat/completions") {
        return send(res, openAiError(404, `Invalid URL (${req.method} ${url.pathname})`, "invalid_request_error", null));
      }
      const auth = req.headers.authorization ?? "";
      if (!auth.startsWith("Bearer ")) {
        return send(res, openAiError(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", "invalid_request_error", null));
      }
      if (auth.slice(7) !== opts.apiKey) {
        return send(res, openAiError(401, `Incorrect API key provided: ${mask(auth.slice(7))}. You can find your API key at https://platform.openai.com/account/api-keys.`, "invalid_request_error", "invalid_api_key"));
      }
      const problem = badRequest(body);
      if (problem) return send(res, openAiError(400, problem, "invalid_request_error", null));

      const step = steps[Math.min(next++, steps.length - 1)];
      if (step === undefined) return send(res, openAiError(500, "no reply scripted for this request", "server_error", null));
      if (step === "hang") return; // the request stays open until the client gives up or the server closes
      if (step === "stall") {
        res.writeHead(200, { "content-type": "application/json" });
        res.write(JSON.stringify(fixture("jordan").body).slice(0, 200));
        return;
      }
      send(res, fixture(step));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    script(...s: Step[]) { steps = s; next = 0; requests.length = 0; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** The transcript lines of a chat request's user message: `#seq role at "text"`. */
export function transcriptOf(request: Request): string[] {
  const user = request.body.messages.find((m: any) => m.role === "user").content as string;
  return user.split("\n").filter((l) => /^#\d+ /.test(l));
}

// Starts the real relay process (Deno) on a free port with a temporary data folder.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Socket } from "socket.io-client";

const root = path.resolve(import.meta.dirname, "../..");
const deno = path.join(root, "node_modules/.bin/deno");

export interface Relay {
  url: string;
  dataDir: string;
  /** everything the process printed */
  log(): string;
  /** SIGTERM and wait for exit */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit: a crash */
  kill(): Promise<void>;
  /** a new relay process on the same data folder, port and environment; stops this one (SIGTERM) first if it still runs */
  restart(): Promise<Relay>;
}

export async function startRelay(opts: { env?: Record<string, string>; dataDir?: string; port?: number } = {}): Promise<Relay> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "keepsake-test-"));
  const env = {
    ...process.env,
    KEEPSAKE_HOST: "127.0.0.1",
    KEEPSAKE_PORT: String(opts.port ?? 0),
    KEEPSAKE_DATA_DIR: dataDir,
    KEEPSAKE_AUTH: "open",
    NO_COLOR: "1",
    // the suite starts some 75 relays: a short warm-up of the extractor each, not the default 1500 ms
    KEEPSAKE_EXTRACT_WARMUP_MS: "50",
    // and none of the relay's own (test/integration/warmup.test.ts tries it)
    KEEPSAKE_RELAY_WARMUP_MS: "0",
    ...opts.env,
  };
  const child = spawn(deno, ["run", "--allow-all", "relay/main.ts"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay did not start in 30 s:\n${log}`)), 30_000);
    const onData = (d: Buffer) => {
      log += d;
      const m = /keepsake relay listening on (http:\/\/\S+)/.exec(log);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`relay exited with ${code}:\n${log}`)); });
  });
  child.removeAllListeners("exit");
  const exited = new Promise<void>((res) => child.on("exit", () => res()));
  const port = Number(new URL(url).port);
  const end = async (signal: NodeJS.Signals) => { if (child.exitCode === null && child.signalCode === null) child.kill(signal); await exited; };
  return {
    url, dataDir, log: () => log,
    stop: () => end("SIGTERM"),
    kill: () => end("SIGKILL"),
    restart: async () => { await end("SIGTERM"); return startRelay({ ...opts, dataDir, port }); },
  };
}

export function emit(socket: Socket, event: string, payload: unknown): Promise<any> {
  return socket.timeout(20_000).emitWithAck(event, payload);
}

export async function waitFor<T>(fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, ms = 15_000, every = 50): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as T;
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, every));
  }
}

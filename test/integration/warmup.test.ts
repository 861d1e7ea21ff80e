// The relay's warm-up (relay/warmup.ts), against the real relay process: before it listens, made-up
// players' sessions run through a throwaway relay, and nothing of them is left in the one that
// listens: no end user, no memory, no extraction counted, no folder.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Relay, startRelay } from "../helpers/relay.ts";
import { listAll, newPair, rest, runSession, turns } from "../helpers/wire.ts";

let relay: Relay, tmp: string;
beforeAll(async () => {
  // the relay's temporary folders go here, to be looked at
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "keepsake-tmpdir-"));
  relay = await startRelay({ env: { KEEPSAKE_RELAY_WARMUP_MS: "300", TMPDIR: tmp } });
});
afterAll(async () => {
  await relay?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("warm-up", () => {
  it("runs made-up sessions before the relay listens", () => {
    const log = relay.log();
    const warmed = /warmed up on (\d+) made-up sessions/.exec(log);
    expect(Number(warmed?.[1])).toBeGreaterThan(0);
    expect(log.indexOf("warmed up")).toBeLessThan(log.indexOf("keepsake relay listening on"));
    expect(log).not.toMatch(/warm-up stopped early/);
  });

  it("keeps nothing of them: no end user, no memory, no extraction counted, no folder", async () => {
    // (open mode: the admin routes answer loopback callers without the key)
    const users = await rest(relay.url, "GET", "/v1/users?limit=100");
    expect(users.status).toBe(200);
    expect(users.body.users).toEqual([]);
    expect(await listAll(relay.url, { endUserId: "warmup-0", characterId: "warmup" })).toEqual([]);
    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    expect(metrics).not.toMatch(/^keepsake_extraction_duration_seconds_count\{[^}]*\} [1-9]/m);
    expect(metrics).not.toMatch(/^keepsake_extraction_read_ahead_total\{[^}]*\} [1-9]/m);
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith("keepsake-warmup-"))).toEqual([]);
  });

  it("then serves players as usual", async () => {
    const pair = newPair("after-warmup");
    await runSession(relay.url, pair, turns("My name is Jordan.", "I work as a blacksmith."));
    expect((await listAll(relay.url, pair)).map((m) => m.memory)).toEqual(expect.arrayContaining(["The user's name is Jordan.", "Jordan works as a blacksmith."]));
    const users = await rest(relay.url, "GET", "/v1/users?limit=100");
    expect(users.body.users.map((u: { endUserId: string }) => u.endUserId)).toEqual([pair.endUserId]);
  });

  it("a warm-up that fails only says so: the relay starts, and nothing is left", async () => {
    // one event a second per connection: the made-up players' searches are refused
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keepsake-tmpdir-"));
    const strict = await startRelay({ env: { KEEPSAKE_RELAY_WARMUP_MS: "300", KEEPSAKE_EVENTS_PER_SECOND: "1", TMPDIR: dir } });
    try {
      expect(strict.log()).toMatch(/warm-up stopped early, the first sessions may be slower: .*E_RATE_LIMITED/);
      expect((await rest(strict.url, "GET", "/v1/health")).status).toBe(200);
      expect((await rest(strict.url, "GET", "/v1/users?limit=100")).body.users).toEqual([]);
      expect(fs.readdirSync(dir).filter((f) => f.startsWith("keepsake-warmup-"))).toEqual([]);
    } finally {
      await strict.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

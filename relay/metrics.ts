// The relay's metrics in Prometheus's text format (GET /metrics), with prom-client: what the relay
// counts as it goes (errors answered, extractions and how long they took), what it reads when
// scraped (connections; sessions and memories, counted by the store), and the process's own.
import client from "prom-client";
import { ERROR_CODES, SESSION_STATUSES } from "../sdk/src/protocol.ts";
import type { Store } from "./store/store.ts";

/** Seconds, from a few milliseconds (the built-in extractor) to minutes (an LLM that retries). */
const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export class Metrics {
  readonly registry = new client.Registry();
  /** protocol errors answered: socket acks and handshake refusals, REST answers */
  readonly errors = new client.Counter({
    name: "keepsake_errors_total", help: "Protocol errors answered, by code and transport (socket: acks and refused handshakes; rest: REST answers).",
    labelNames: ["code", "transport"] as const, registers: [this.registry],
  });
  /** one extraction job: read the transcript, extract, merge, commit */
  readonly extraction = new client.Histogram({
    name: "keepsake_extraction_duration_seconds", help: "Time one extraction took (transcript read, extraction, merge and commit), by the extractor that made the facts.",
    labelNames: ["extractor"] as const, buckets: SECONDS, registers: [this.registry],
  });
  /** from the end of a session (its job committed) to its memories committed, waits and retries included */
  readonly endToProcessed = new client.Histogram({
    name: "keepsake_session_end_to_processed_seconds", help: "Time from a session's end (its extraction queued) to its memories committed, queue waits and retries included.",
    buckets: SECONDS, registers: [this.registry],
  });
  readonly readAhead = new client.Counter({
    name: "keepsake_extraction_read_ahead_total",
    help: "Sessions the built-in extractor began reading as their transcript arrived (started), and what became of that reading: their job used it, or read again because the turns or the user's name had changed since (stale), or it was dropped unread, with its end user's erasure or its session ended with memory switched off (dropped).",
    labelNames: ["outcome"] as const, registers: [this.registry],
  });
  readonly extractionFailures = new client.Counter({
    name: "keepsake_extraction_failures_total", help: "Extraction attempts that failed (each is retried, up to 3 attempts in all).", registers: [this.registry],
  });
  readonly memoryEvents = new client.Counter({
    name: "keepsake_extracted_memory_events_total", help: "What extractions did to memories: add, update, delete or noop (a repeat).",
    labelNames: ["event"] as const, registers: [this.registry],
  });

  constructor(sources: { store: Store; connections: () => number }) {
    client.collectDefaultMetrics({ register: this.registry });
    new client.Gauge({
      name: "keepsake_connections", help: "Socket.IO connections open now (one per live session).", registers: [this.registry],
      collect() { this.set(sources.connections()); },
    });
    new client.Gauge({
      name: "keepsake_sessions", help: "Sessions in the store, by status.", labelNames: ["status"] as const, registers: [this.registry],
      async collect() {
        const counts = await sources.store.sessionCounts();
        for (const status of SESSION_STATUSES) this.set({ status }, counts[status] ?? 0);
      },
    });
    new client.Gauge({
      name: "keepsake_memories", help: "Memories in the store, by scope kind (pair, store, character).", labelNames: ["scope"] as const, registers: [this.registry],
      async collect() {
        const counts = await sources.store.memoryCounts();
        for (const scope of ["pair", "store", "character"] as const) this.set({ scope }, counts[scope] ?? 0);
      },
    });
    // every code shows from the start, at 0, so that a rate over it is defined before the first error
    for (const code of ERROR_CODES) for (const transport of ["socket", "rest"]) this.errors.inc({ code, transport }, 0);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

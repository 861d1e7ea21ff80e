// The relay's log: one line per event, at or above KEEPSAKE_LOG_LEVEL. As JSON, one object a line,
// `{ level, time, msg, ...fields }`, for a log collector; as text, `msg` alone (and an error's
// stack), for a terminal; the launch line is always plain text (`log.always`). relay/main.ts configures it; until then (and in tests that import relay
// modules) it prints text from info up. debug and info go to stdout, warn and error to stderr.
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ["json", "text"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
/** Machine-readable details of a line (ids, counts, durations); `err` an error. `msg` says it all for a person. */
export type LogFields = Record<string, unknown>;

let threshold = 1;
let format: LogFormat = "text";

export function configureLog(opts: { level: LogLevel; format: LogFormat }): void {
  threshold = LOG_LEVELS.indexOf(opts.level);
  format = opts.format;
}

const plain = (v: unknown) => (v instanceof Error ? { name: v.name, message: v.message, stack: v.stack } : v);

function write(level: LogLevel, msg: string, fields?: LogFields): void {
  let line: string;
  if (format === "json") {
    const extra = fields ? Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, plain(v)])) : {};
    line = JSON.stringify({ level, time: new Date().toISOString(), msg, ...extra });
  } else {
    const err = fields?.err;
    line = err === undefined ? msg : `${msg}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`;
  }
  if (level === "warn" || level === "error") console.error(line);
  else console.log(line);
}

const at = (level: LogLevel) => (msg: string, fields?: LogFields) => {
  if (LOG_LEVELS.indexOf(level) >= threshold) write(level, msg, fields);
};

export const log = {
  debug: at("debug"),
  info: at("info"),
  warn: at("warn"),
  error: at("error"),
  /**
   * The line that says where the relay listens, printed whatever the level and, in every format, as
   * the plain line the wire protocol fixes (`keepsake relay listening on http://HOST:PORT`): drivers
   * and supervisors wait for it.
   */
  always: (msg: string) => console.log(msg),
  get format(): LogFormat {
    return format;
  },
};

/** Structured logs: one JSON object per line, at or above LOG_LEVEL. Never pass tokens or passwords. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
  /** Whether a line at this level is written; a caller may skip building its fields when not. */
  enabled?(level: LogLevel): boolean;
}

let isoMs = -1;
let isoText = '';
/** The time as ISO 8601, made once per millisecond: toISOString costs about half a microsecond, and a busy server logs many lines a millisecond. */
function isoNow(): string {
  const ms = Date.now();
  if (ms !== isoMs) {
    isoMs = ms;
    isoText = new Date(ms).toISOString();
  }
  return isoText;
}

let stdoutLines: ((line: string) => void) | null = null;
/** Lines kept before a write is forced within one turn of the event loop. */
const MAX_PENDING_LINES = 512;

/**
 * Standard output, one write per turn of the event loop instead of one per line: a line per request
 * written on its own was a sixth of a cached read's CPU (stdout to a file or pipe writes synchronously).
 * Lines keep their order; what is pending when the process exits is written then.
 */
function batchedStdout(): (line: string) => void {
  if (stdoutLines) return stdoutLines;
  let pending: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const chunk = `${pending.join('\n')}\n`;
    pending = [];
    process.stdout.write(chunk);
  };
  process.on('exit', flush);
  stdoutLines = (line) => {
    pending.push(line);
    if (pending.length >= MAX_PENDING_LINES) flush();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  return stdoutLines;
}

export function createLogger(level: LogLevel = 'info', write: (line: string) => void = batchedStdout()): Logger {
  return {
    enabled: (l) => ORDER[l] >= ORDER[level],
    log(l, msg, fields = {}) {
      if (ORDER[l] < ORDER[level]) return;
      write(JSON.stringify({ time: isoNow(), level: l, msg, ...fields }));
    },
  };
}

export const parseLogLevel = (raw: string | undefined): LogLevel => {
  const l = (raw ?? 'info').toLowerCase();
  if (l in ORDER) return l as LogLevel;
  throw new Error(`LOG_LEVEL must be one of ${Object.keys(ORDER).join(', ')}, got ${JSON.stringify(raw)}`);
};

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max)}… (${s.length - max} more characters not logged)` : s);

/**
 * An error as a log field, of bounded size and without data: a failed query is logged with its
 * SQL (cut) but never its parameters, which hold what clients sent (one such line was 380 MB).
 * Messages are cut, and at most ten stack frames are kept.
 */
export function loggableError(err: unknown): string {
  if (!(err instanceof Error)) return clip(String(err), 1000);
  const e = err as Error & { query?: unknown; params?: unknown; cause?: unknown };
  const head =
    typeof e.query === 'string' && Array.isArray(e.params)
      ? `${e.name}: failed query: ${clip(e.query, 500)} (${e.params.length} parameter(s), not logged)${e.cause instanceof Error ? `; cause: ${clip(e.cause.message, 500)}` : ''}`
      : `${e.name}: ${clip(e.message, 1000)}`;
  const frames = (e.stack ?? '')
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .slice(0, 10);
  return [head, ...frames].join('\n');
}

// npm and Yarn classic log out with DELETE /-/user/token/<the token itself>.
const TOKEN_PATH = '/-/user/token/';

/** A request path as a log field: never the query string, never a token, and at most 200 characters. */
export const logPath = (path: string) => {
  // Every request's path comes through here (the hot reads too): a prefix test, one replace when it matches.
  const safe = path.startsWith(TOKEN_PATH) ? path.replace(/^(\/-\/user\/token\/)[^/]+/, '$1[redacted]') : path;
  return safe.length > 200 ? `${safe.slice(0, 200)}…` : safe;
};

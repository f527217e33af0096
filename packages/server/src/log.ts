/** Structured logs: one JSON object per line, at or above LOG_LEVEL. Never pass tokens or passwords. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(level: LogLevel = 'info', write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Logger {
  return {
    log(l, msg, fields = {}) {
      if (ORDER[l] < ORDER[level]) return;
      write(JSON.stringify({ time: new Date().toISOString(), level: l, msg, ...fields }));
    },
  };
}

export const parseLogLevel = (raw: string | undefined): LogLevel => {
  const l = (raw ?? 'info').toLowerCase();
  if (l in ORDER) return l as LogLevel;
  throw new Error(`LOG_LEVEL must be one of ${Object.keys(ORDER).join(', ')}, got ${JSON.stringify(raw)}`);
};

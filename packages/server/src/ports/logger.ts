/**
 * Logger port. Why fields are a closed record of primitives: secrets and PII never reach logs, so callers
 * log ids, counts and codes, never payloads, tokens or identifier values.
 */
export type LogFields = Record<string, string | number | boolean | undefined>;

/** Structured logger. */
export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** One JSON line per entry on stderr. */
export function createJsonLogger(write: (line: string) => void = (line) => process.stderr.write(line + '\n')): Logger {
  const log = (level: string) => (message: string, fields?: LogFields) =>
    write(JSON.stringify({ time: new Date().toISOString(), level, message, ...fields }));
  return { info: log('info'), warn: log('warn'), error: log('error') };
}

/** Keeps entries in memory: the twin for tests (and for asserting that nothing secret was logged). */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (message: string, fields?: LogFields) => {
    lines.push(JSON.stringify({ level, message, ...fields }));
  };
  return { lines, info: log('info'), warn: log('warn'), error: log('error') };
}

import { isUnavailable } from './service-unavailable.ts';

/**
 * A process that cannot start because of its surroundings (PostgreSQL or NATS unreachable, the port taken,
 * the data directory unwritable) says so in one line and exits non-zero: `kin: cannot reach PostgreSQL at
 * 127.0.0.1:5432/kin (ECONNREFUSED)`. A stack trace is for bugs. Addresses are shown without credentials.
 */

/** An expected failure at start; the CLI prints its message alone and exits with 1. */
export class StartupError extends Error {
  readonly code = 'startup_failed';
  override readonly name = 'StartupError';
}

/** `error` as a start-up failure reaching `service` at `url` (credentials removed); a StartupError passes through. */
export function unreachable(service: string, url: string, error: unknown): StartupError {
  if (error instanceof StartupError) return error;
  return new StartupError(`cannot reach ${service} at ${redactUrl(url)} (${reasonOf(error)})`);
}

/** `error` as a start-up failure to open `what` at `path` (a file). */
export function cannotOpen(what: string, path: string, error: unknown): StartupError {
  return new StartupError(`cannot open ${what} at ${path} (${reasonOf(error)})`);
}

/** `error` as a start-up failure to listen on `host:port`. */
export function cannotListen(host: string, port: number, error: unknown): StartupError {
  return new StartupError(`cannot listen on ${host}:${port} (${reasonOf(error)})`);
}

/**
 * Runs `start`, turning a failure to reach the service (network, refused login, missing database, no
 * JetStream) into `unreachable(service, url, …)`; other errors (bugs) keep their stack.
 */
export async function reaching<T>(service: string, url: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    throw isUnreachable(error) ? unreachable(service, url, error) : error;
  }
}

// PostgreSQL: invalid authorization (28…), the database does not exist (3D000).
const REFUSED_STATES = /^(28...|3D000)$/;

function isUnreachable(error: unknown): boolean {
  if (error instanceof StartupError) return true;
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return isUnavailable(error) || (typeof code === 'string' && REFUSED_STATES.test(code));
}

/** A URL (or comma-separated URLs) without user, password or query: `postgres://u:p@h:5432/db?x` -> `h:5432/db`. */
export function redactUrl(url: string): string {
  return url
    .split(',')
    .map((part) => {
      try {
        const u = new URL(part.trim());
        const path = u.pathname === '/' ? '' : u.pathname;
        return u.protocol.startsWith('postgres') ? `${u.host}${path}` : `${u.protocol}//${u.host}${path}`;
      } catch {
        return part
          .trim()
          .replace(/\/\/[^@/]*@/, '//')
          .replace(/\?.*$/, '');
      }
    })
    .join(',');
}

/** The error's code (ECONNREFUSED, CONNECTION_REFUSED, a SQLSTATE) with the server's words for a SQLSTATE. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const text = typeof code === 'string' ? code : '';
  // A SQLSTATE comes with the server's message ("database "kin" does not exist"), which quotes no secret.
  if (/^[0-9A-Z]{5}$/.test(text) && /\d/.test(text)) return `${error.message}, ${text}`;
  if (text) return text;
  return error.message.split('\n')[0] || error.name;
}

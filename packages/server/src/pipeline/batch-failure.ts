/**
 * Why a worker's batch failed: because of one of its events (the database refused a value), or because of
 * the infrastructure (connection lost, database down, lock timeout). The first is bisected and the event
 * that keeps failing is dead-lettered; the second is retried whole, forever, since no event is at fault.
 *
 * Why a short allow-list of event errors: misreading a connection error as an event error would dead-letter
 * good events, while misreading an event error as a connection error only leaves the batch stuck, which
 * `/ready` and `kin_worker_failed_events_total` show. So only errors that a value can cause count as event
 * errors: PostgreSQL class 22 (data exception: NUL in text or jsonb 22P05, invalid text representation
 * 22P02, timestamp out of range 22008/22009, …), 23502/23514 (a value breaks a NOT NULL or CHECK rule),
 * class 54 (program limit exceeded: a value too large to index), and a JavaScript RangeError (an invalid
 * date or a string past V8's limits, raised while preparing one event).
 */

/** Which part of a batch a failure blames. */
export type FailureBlame = 'event' | 'infrastructure';

const EVENT_STATES = new Set(['23502', '23514']);

/** Blames one of the events (bisect) or the infrastructure (retry the whole batch). */
export function blameOf(error: unknown): FailureBlame {
  const state = sqlStateOf(error);
  if (state) return state.startsWith('22') || state.startsWith('54') || EVENT_STATES.has(state) ? 'event' : 'infrastructure';
  return error instanceof RangeError ? 'event' : 'infrastructure';
}

/** A short, value-free code for a failure: the SQLSTATE when there is one, else the error's name. */
export function failureCode(error: unknown): string {
  return sqlStateOf(error) ?? (error instanceof Error ? error.name : 'unknown');
}

/** PostgreSQL's five-character SQLSTATE of a driver error, if it has one. */
export function sqlStateOf(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * `text` with what PostgreSQL cannot store in text (NUL, lone UTF-16 surrogates) replaced by U+FFFD, so a
 * warning about a poison event can itself be stored.
 */
export function storableText(text: string): string {
  // eslint-disable-next-line no-control-regex -- NUL is exactly what PostgreSQL refuses in text
  return text.replace(/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/**
 * Retention: de-duplication claims older than KIN_DEDUP_WINDOW_DAYS and warnings last seen more than
 * KIN_WARNINGS_RETENTION_DAYS ago are removed once an hour, on the injected clock. A failed prune is logged and
 * tried again the next hour.
 */
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { Store } from '../storage/storage.ts';

const DAY_MS = 86_400_000;
const HOUR_MS = 60 * 60 * 1000;

/** What a prune reads: the store, the clock, the log and the two retention windows. */
export interface RetentionOptions {
  store: Pick<Store, 'pruneMessageIds' | 'pruneWarnings'>;
  clock: Clock;
  logger: Logger;
  dedupWindowDays: number;
  warningsRetentionDays: number;
}

/** Prunes once now; settles when both prunes settled (a failure is logged, never thrown). */
export async function pruneRetained(options: RetentionOptions): Promise<void> {
  const { store, clock, logger } = options;
  const now = clock.now().getTime();
  const cutoff = new Date(now - options.dedupWindowDays * DAY_MS).toISOString();
  const warningsCutoff = new Date(now - options.warningsRetentionDays * DAY_MS).toISOString();
  await Promise.all([
    store.pruneMessageIds(cutoff).catch(() => logger.warn('pruning message ids failed')),
    store.pruneWarnings(warningsCutoff).catch(() => logger.warn('pruning warnings failed')),
  ]);
}

/** Prunes every hour (the timer does not keep the process alive); returns the function that stops it. */
export function startRetentionPrune(options: RetentionOptions): () => void {
  const timer = setInterval(() => void pruneRetained(options), HOUR_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Prometheus metrics (prom-client), one registry per process (no global default registry: tests run many
 * Kins in one process). Counted at the ports, not in the routes: the ingestor (received, accepted,
 * duplicates), the store's warnings (rejected), the store's transactions (merges, resolution latency).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MatchTotals } from '../storage/matching-store.ts';
import { MATCH_OUTCOMES } from '../storage/matching-store.ts';
import type { ApplyOutcome, Ingestor } from '../pipeline/ingest-port.ts';
import type { Clock } from '../ports/clock.ts';
import type { Store, StoreTx } from '../storage/storage.ts';
import { decorate } from './port-decorator.ts';

/** The metrics of one Kin process. */
export interface KinMetrics {
  registry: Registry;
  received: Counter;
  accepted: Counter;
  rejected: Counter;
  duplicates: Counter;
  merges: Counter;
  /** Seconds from receipt (receivedAt) to the commit that resolved the event. */
  resolution: Histogram;
  /** Messages the durable consumer has not delivered or not seen acknowledged yet (set by workers). */
  lag: Gauge;
  /** Tracking requests refused with 503 `overloaded` by ingest admission. */
  overloaded: Counter;
  /** Requests whose client closed the connection before the body ended. */
  clientAborts: Counter;
  /** Events the store refused in a worker, by code and outcome (`redelivered` or `dead_lettered`). */
  failedEvents: Counter<'code' | 'outcome'>;
  /** Write-key events and admin requests refused by a rate limit, by limit (`events`, `admin`, `admin-heavy`). */
  rateLimited: Counter<'limit'>;
}

/** Options of `createKinMetrics`: sources read at scrape time. */
export interface KinMetricsOptions {
  consumerLag?: () => Promise<number | undefined>;
  /** Tracking requests and request bytes admitted and not yet answered. */
  inFlight?: () => { requests: number; bytes: number };
  /** This process's incremental-matching follower's totals since it started (`undefined`: no follower). */
  matchTotals?: () => MatchTotals | undefined;
}

/** Creates the registry and every metric; `lag` reads `consumerLag` at scrape time when given. */
export function createKinMetrics(options: KinMetricsOptions = {}): KinMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const counter = (name: string, help: string) => new Counter({ name, help, registers: [registry] });
  const lagSource = options.consumerLag;
  const inFlight = options.inFlight;
  const matchTotals = options.matchTotals;
  if (matchTotals) {
    new Gauge({
      name: 'kin_match_follower_profiles',
      help: "Incremental matching in this process since it started, by outcome: matched (pending profiles matched), merged (merges made), queued (pairs sent to review), refused (merges the identity policy refused), skipped (settled without matching). `kin match status` shows the database's totals.",
      labelNames: ['outcome'],
      registers: [registry],
      collect() {
        const totals = matchTotals();
        if (totals) for (const outcome of MATCH_OUTCOMES) this.set({ outcome }, totals[outcome]);
      },
    });
  }
  if (inFlight) {
    new Gauge({
      name: 'kin_http_inflight_requests',
      help: 'Tracking requests admitted and not yet answered.',
      registers: [registry],
      collect() {
        this.set(inFlight().requests);
      },
    });
    new Gauge({
      name: 'kin_http_inflight_bytes',
      help: 'Request bytes reserved by admitted tracking requests.',
      registers: [registry],
      collect() {
        this.set(inFlight().bytes);
      },
    });
  }
  return {
    registry,
    received: counter('kin_events_received_total', 'Events received by the tracking API (valid and invalid).'),
    accepted: counter('kin_events_accepted_total', 'Events accepted (durable in the store, or acknowledged by JetStream).'),
    rejected: counter('kin_events_rejected_total', 'Events rejected by validation.'),
    duplicates: counter('kin_events_duplicates_total', 'Events acknowledged as repeats of an earlier messageId.'),
    merges: counter('kin_merges_total', 'Profile merges applied.'),
    overloaded: counter('kin_http_overloaded_total', 'Tracking requests refused with 503 overloaded (ingest admission bound reached).'),
    clientAborts: counter('kin_http_client_aborts_total', 'Requests whose client closed the connection before the body ended.'),
    resolution: new Histogram({
      name: 'kin_resolution_latency_seconds',
      help: 'Seconds from receipt to the commit that resolved the event.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'kin_rate_limited_total',
      help: 'Refused by a rate limit: write-key events (limit="events", per item or whole request) and admin requests (limit="admin" or "admin-heavy").',
      labelNames: ['limit'],
      registers: [registry],
    }),
    failedEvents: new Counter({
      name: 'kin_worker_failed_events_total',
      help: 'Events the store refused in a worker: redelivered (another try later) or dead_lettered (parked in the dead-letter stream).',
      labelNames: ['code', 'outcome'],
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'kin_consumer_lag_messages',
      help: 'Messages of the stream not yet done: not delivered to a worker, or delivered and not acknowledged (num_pending + num_ack_pending).',
      registers: [registry],
      ...(lagSource
        ? {
            async collect(this: Gauge) {
              const lag = await lagSource().catch(() => undefined);
              if (lag !== undefined) this.set(lag);
            },
          }
        : {}),
    }),
  };
}

/**
 * Counts what passes through an ingestor. With `resolution` it also times each accepted event from receipt
 * to its answer and counts rejected events (for ingestors whose commits and warnings this process's store
 * does not see: the writer thread). Why `.then` and not `await`: the continuation keeps only counts and one
 * receipt time, never the submission, so a request's events can be collected while they wait to commit
 * (see tracking-routes.ts).
 */
export function instrumentIngestor(ingestor: Ingestor, metrics: KinMetrics, options: { clock: Clock; resolution?: boolean }): Ingestor {
  const { clock, resolution } = options;
  return decorate(ingestor, {
    overrides: {
      submit(submission) {
        // One request's events share their receipt time.
        const receivedAt = resolution ? submission.events[0]?.receivedAt : undefined;
        return countIngest(metrics, submission.events.length, () => ingestor.submit(submission)).then((outcome) => {
          if (receivedAt !== undefined) observeResolution(metrics, receivedAt, clock.now().getTime(), outcome.accepted);
          return outcome;
        });
      },
      warn(warnings) {
        // Elsewhere the ingestor writes them through this process's instrumented store, which counts them.
        const rejected = resolution ? rejectedCount(warnings) : 0;
        return ingestor.warn(warnings).then(() => countRejected(metrics, rejected));
      },
    },
  });
}

/**
 * Counts `events` received and, once `submit` answers, the accepted and duplicate ones: for every way into the
 * write path (`instrumentIngestor`, link hits handed to a writer thread as they are). Keeps only the counts.
 */
export function countIngest(metrics: KinMetrics, events: number, submit: () => Promise<ApplyOutcome>): Promise<ApplyOutcome> {
  metrics.received.inc(events);
  return submit().then((outcome) => {
    metrics.accepted.inc(outcome.accepted);
    metrics.duplicates.inc(outcome.duplicates);
    return outcome;
  });
}

/** What one committed transaction applied. */
export interface AppliedTransaction {
  merges: number;
  /** `receivedAt` of every event it resolved (replays excluded). */
  received: string[];
}

/**
 * Counts rejected events (the tracking routes keep each as a `rejected_event` warning), merges, and the
 * resolution latency of each event once its transaction commits. Everything else passes through.
 */
export function instrumentStore(store: Store, metrics: KinMetrics, clock: Clock): Store {
  const transactions = transactionObservers(store, (applied) => {
    metrics.merges.inc(applied.merges);
    const now = clock.now().getTime();
    for (const at of applied.received) observeResolution(metrics, at, now);
  });
  return decorate(store, {
    overrides: {
      ...transactions,
      addWarnings(warnings) {
        const rejected = rejectedCount(warnings);
        return store.addWarnings(warnings).then(() => countRejected(metrics, rejected));
      },
    },
  });
}

/** Records `count` resolutions of events received at `receivedAt` and resolved at `now` (ms). */
function observeResolution(metrics: KinMetrics, receivedAt: string, now: number, count = 1): void {
  const seconds = Math.max(0, (now - Date.parse(receivedAt)) / 1000);
  for (let i = 0; i < count; i++) metrics.resolution.observe(seconds);
}

/** The rejected events among `warnings` (a `rejected_event` warning stands for `count` of them). */
export function rejectedCount(warnings: Array<{ kind: string; count?: number }>): number {
  return warnings.reduce((sum, w) => sum + (w.kind === 'rejected_event' ? (w.count ?? 1) : 0), 0);
}

/** Counts `rejected` events as received and rejected. */
export function countRejected(metrics: KinMetrics, rejected: number): void {
  metrics.received.inc(rejected);
  metrics.rejected.inc(rejected);
}

/** A store that reports what each committed transaction applied; everything else passes through. */
export function observeTransactions(store: Store, onCommitted: (applied: AppliedTransaction) => void): Store {
  return decorate(store, { overrides: transactionObservers(store, onCommitted) });
}

/** `transaction` and `transactionDeferred` reporting what each commit applied. */
function transactionObservers(store: Store, onCommitted: (applied: AppliedTransaction) => void): Partial<Store> {
  const observers: Partial<Store> = {
    async transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
      const counting = countApplied(fn);
      const result = await store.transaction(counting.fn);
      onCommitted(counting.applied);
      return result;
    },
  };
  observers.transactionDeferred = async <T>(fn: (tx: StoreTx) => Promise<T>) => {
    const counting = countApplied(fn);
    const written = await store.transactionDeferred(counting.fn);
    onCommitted(counting.applied);
    return written;
  };
  return observers;
}

/** Wraps a transaction callback to count the merges and receipt times of the events it applies. */
function countApplied<T>(fn: (tx: StoreTx) => Promise<T>): { fn: (tx: StoreTx) => Promise<T>; applied: AppliedTransaction } {
  const applied: AppliedTransaction = { merges: 0, received: [] };
  return {
    applied,
    fn: (tx) => {
      // A retried attempt starts over: count only what the committed attempt applied.
      applied.merges = 0;
      applied.received = [];
      return fn(
        decorate(tx, {
          overrides: {
            applyEvent(input) {
              applied.merges += input.plan.merges.length;
              if (!input.replay) applied.received.push(input.event.receivedAt);
              return tx.applyEvent(input);
            },
          },
        }),
      );
    },
  };
}

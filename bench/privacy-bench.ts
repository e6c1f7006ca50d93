/**
 * Privacy edge benchmark: what the gate (packages/server/src/privacy/privacy-gate.ts) costs per event on the
 * ingest workload's events, with an empty list (the skip path every deployment without a delete takes) and
 * with 10,000 listed people (none of them sending: every identifier is hashed and looked up), next to a
 * baseline measured in the same run: extracting and normalising the identifiers (`prepareEvent`), which the
 * write path pays anyway.
 *
 *   node --import tsx bench/privacy-bench.ts [--events 100000]
 */
import { performance } from 'node:perf_hooks';
import { DEFAULT_POLICY, prepareEvent, validateEvent } from '../packages/core/src/index.ts';
import type { TrackingEvent } from '../packages/core/src/index.ts';
import { normalizerFor } from '../packages/server/src/identity/policy-load.ts';
import { createPrivacyGate } from '../packages/server/src/privacy/privacy-gate.ts';
import { createPrivacyKeyer } from '../packages/server/src/privacy/privacy-keys.ts';
import { memoryPrivacyList } from '../packages/server/src/privacy/privacy-list.ts';
import { buildBatches } from './ingest-workload.ts';

const count = Number(process.argv[process.argv.indexOf('--events') + 1] || 100_000);
const events: TrackingEvent[] = [];
const receivedAt = new Date('2026-11-01T10:00:00.000Z');
for (const body of buildBatches({ shoppers: 20_000, batches: Math.ceil(count / 100), batchSize: 100, seed: 7 })) {
  for (const item of (JSON.parse(body) as { batch: unknown[] }).batch) {
    const result = validateEvent(item, { receivedAt, newMessageId: () => 'm', maxEventBytes: 32_768, maxDepth: 64 });
    if (result.ok) events.push(result.event);
  }
}
const policy = DEFAULT_POLICY;
const normalize = normalizerFor(policy);
const keyer = createPrivacyKeyer('bench-secret-0123456789');

/** Median of three runs, in µs per event. */
async function measure(run: () => Promise<unknown> | unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    await run();
    times.push(((performance.now() - start) * 1000) / events.length);
  }
  return times.sort((a, b) => a - b)[1]!;
}

const baseline = await measure(() => events.forEach((e) => prepareEvent(e, policy, normalize)));
const empty = createPrivacyGate({ list: memoryPrivacyList(), keyer, policy, normalize, count: async () => undefined });
const skip = await measure(() => empty.filter(events));
const listed = memoryPrivacyList(Array.from({ length: 10_000 }, (_, i) => keyer.keyOf({ type: 'email', value: `gone${i}@example.net` })));
const full = createPrivacyGate({ list: listed, keyer, policy, normalize, count: async () => undefined });
const checked = await measure(() => full.filter(events));

const line = (name: string, us: number) =>
  `${name.padEnd(44)} ${us.toFixed(2).padStart(7)} µs/event   ratio to baseline ${(us / baseline).toFixed(2)}`;
console.log(`privacy edge on ${events.length} ingest-workload events`);
console.log(line('baseline: prepareEvent (identifiers)', baseline));
console.log(line('gate, empty list (skip)', skip));
console.log(line('gate, 10,000 listed people (hash + lookup)', checked));

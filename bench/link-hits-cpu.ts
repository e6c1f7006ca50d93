/**
 * `node --import tsx bench/link-hits-cpu.ts [batches] [hits per batch]`: CPU per link hit of the hand-over to the
 * SQLite writer thread and of the writer (its events, click rows, commits), in process, without HTTP: 40 batches of
 * 1,000 hits like bench:links' (one link, 100 recipients, half the hits with a token, one browser). Prints the CPU
 * of each thread of this process per hit (from /proc: `main` is the hand-over, the busiest other thread the
 * writer; the rest are V8's helper threads, mostly garbage collection, and the checkpointer).
 *
 * Why beside bench:links: on a shared machine the redirect throughput says as much about the neighbours as about
 * Kin, while CPU per hit of Kin's own threads is steadier; run it in two worktrees one after the other to compare
 * a change with its base (session 13, docs/links.md).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_POLICY } from '@kin/core';
import { normalizerFor } from '../packages/server/src/identity/policy-load.ts';
import type { LinkHit } from '../packages/server/src/links/link-events.ts';
import { openStoreWithIngestor } from '../packages/server/src/storage/store-open.ts';
import { threadCpuMicros } from './bench-process.ts';

const BATCHES = Number(process.argv[2] ?? 40);
const SIZE = Number(process.argv[3] ?? 1000);
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

const resolve = { policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) };
const dir = mkdtempSync(join(tmpdir(), 'kin-link-hits-'));
const opened = await openStoreWithIngestor(join(dir, 'kin.db'), { ingestThread: true });
const path = await opened.createIngestor({ store: opened.store, resolve, groupCommit: { waitMs: 2, minEvents: 1 } });
const link = {
  id: randomUUID(),
  code: 'bench',
  url: 'https://shop.example/sale?utm_source=email',
  tags: [],
  createdAt: new Date().toISOString(),
};
const recipients = Array.from({ length: 100 }, (_, i) => ({
  id: `recipient-${i}`,
  ref: { type: 'email', value: `shopper-${i}@example.com` },
}));
let n = 0;
const batch = (): LinkHit[] =>
  Array.from({ length: SIZE }, (_, i) => ({
    clickId: randomUUID(),
    kind: 'get',
    link,
    at: new Date(Date.now() + (n++ >> 4)).toISOString(),
    token: i % 2 === 0 ? 'valid' : 'none',
    machine: undefined,
    ...(i % 2 === 0 ? { recipient: recipients[(i / 2) % 100]! } : {}),
    ip: '127.0.0.0',
    userAgent: UA,
  }));

try {
  for (let i = 0; i < 10; i++) await path.linkHits(batch());
  const batches = Array.from({ length: BATCHES }, batch);
  const before = threadCpuMicros('self');
  await Promise.all(batches.map((hits) => path.linkHits(hits)));
  const hits = BATCHES * SIZE;
  const per = [...threadCpuMicros('self')]
    .map(([tid, us]) => [tid === process.pid ? 'main' : tid, (us - (before.get(tid) ?? 0)) / hits] as const)
    .filter(([, us]) => us > 0)
    .sort((a, b) => b[1] - a[1]);
  const total = per.reduce((sum, [, us]) => sum + us, 0);
  process.stdout.write(
    `${hits.toLocaleString('en-US')} hits: CPU ${total.toFixed(1)} µs per hit (${per.map(([t, us]) => `${t} ${us.toFixed(1)}`).join(', ')})\n`,
  );
} finally {
  await path.ingestor.close();
  await opened.store.close();
  rmSync(dir, { recursive: true, force: true });
}

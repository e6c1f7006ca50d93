import { DEFAULT_POLICY, validateEvent } from '@kin/core';
import type { TrackingEvent } from '@kin/core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { normalizerFor } from '../identity/policy-load.ts';
import type { OpenedStore } from './store-open.ts';
import { openStoreWithIngestor, storeKind } from './store-open.ts';
import type { StoreWritePath } from './store-ingestor.ts';
import type { LinkHit } from '../links/link-events.ts';

const receivedAt = new Date('2026-12-04T10:00:00.000Z');
const resolve = { policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) };
const groupCommit = { waitMs: 0, minEvents: 1 };
const link = { id: 'l-1', code: 'sale', url: 'https://shop.example/', tags: [], createdAt: '2026-12-04T09:00:00.000Z' };
const hit: LinkHit = {
  clickId: 'click-1',
  kind: 'get',
  link,
  at: '2026-12-04T10:00:00.000Z',
  token: 'valid',
  machine: undefined,
  recipient: { id: 'r-1', ref: { type: 'email', value: 'ann@example.com' } },
};

function identify(messageId: string, userId: string): TrackingEvent {
  const result = validateEvent(
    { type: 'identify', messageId, userId, timestamp: receivedAt.toISOString() },
    { receivedAt, newMessageId: () => 'unused' },
  );
  if (!result.ok) throw new Error(result.message);
  return result.event;
}

describe('storeKind', () => {
  it('names PostgreSQL for a postgres:// or postgresql:// URL and SQLite for anything else', () => {
    expect(storeKind('postgres://u@127.0.0.1/kin')).toBe('postgres');
    expect(storeKind('postgresql://u@127.0.0.1/kin')).toBe('postgres');
    expect(storeKind('./data/kin.db')).toBe('sqlite');
    expect(storeKind(':memory:')).toBe('sqlite');
  });
});

describe('openStoreWithIngestor: the write path each SQLite store builds', () => {
  let dir: string;
  let opened: OpenedStore | undefined;
  let path: StoreWritePath | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kin-store-open-'));
  });
  afterEach(async () => {
    await path?.ingestor.close();
    await opened?.store.close();
    path = undefined;
    opened = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  /** Opens `db`, builds its write path, submits one event; returns what the commit callback saw. */
  async function ingestOne(db: string, ingestThread: boolean): Promise<number[]> {
    const commits: number[] = [];
    opened = await openStoreWithIngestor(db, { ingestThread });
    path = await opened.createIngestor({ store: opened.store, resolve, groupCommit, onCommit: ({ merges }) => commits.push(merges) });
    const outcome = await path.ingestor.submit({ sourceId: 'web', events: [identify('m1', 'u-1')] });
    expect(outcome.accepted).toBe(1);
    expect(await opened.store.findProfileIdByIdentifier({ type: 'user_id', value: 'u-1' })).toBe(outcome.profileIds[0]);
    return commits;
  }

  /** Writes one link hit through the write path; returns the stored event's name. */
  async function hitOne(): Promise<string | undefined> {
    const outcome = await path!.linkHits([hit]);
    expect(outcome.accepted).toBe(1);
    const id = await opened!.store.findProfileIdByIdentifier({ type: 'email', value: 'ann@example.com' });
    return (await opened!.store.listProfileEvents(id!, { limit: 10 })).data.find((e) => e.event === 'Link Clicked')?.event;
  }

  it('a file with the ingest thread on: commits on the writer thread, answered through onCommit', async () => {
    const commits = await ingestOne(join(dir, 'kin.db'), true);
    expect(opened?.kind).toBe('sqlite');
    expect(path?.offThread).toBe(true);
    expect(path?.ready()).toBe(true);
    expect(commits).toEqual([0]);
    expect(path?.planned.kind).toBe('writer');
    expect(opened?.sharedWithThreads).toBe(true);
    expect(await hitOne()).toBe('Link Clicked');
  });

  it('a file with the ingest thread off: group commit on this thread', async () => {
    const commits = await ingestOne(join(dir, 'kin.db'), false);
    expect(path?.offThread).toBe(false);
    expect(commits).toEqual([]);
    // Another thread's planned events commit in its own transactions; link hits become a submission here.
    expect(path?.planned).toEqual({ kind: 'own' });
    expect(await hitOne()).toBe('Link Clicked');
  });

  it(':memory: (no other thread can open it): group commit on this thread although the ingest thread is on', async () => {
    const commits = await ingestOne(':memory:', true);
    expect(opened?.sharedWithThreads).toBe(false);
    expect(path?.offThread).toBe(false);
    expect(path?.ready()).toBe(true);
    expect(commits).toEqual([]);
  });
});

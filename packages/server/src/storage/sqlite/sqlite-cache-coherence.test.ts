import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '@kin/core';
import type { TrackingEvent } from '@kin/core';
import { normalizerFor } from '../../identity/policy-load.ts';
import { applyEvents } from '../../pipeline/event-apply.ts';
import { openSqliteStore } from './sqlite-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'kin-coherence-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const deps = { policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) };
let n = 0;
const identify = (userId: string, anonymousId: string): TrackingEvent => ({
  type: 'identify',
  messageId: `coherence-${++n}`,
  userId,
  anonymousId,
  timestamp: `2026-11-01T10:00:${String(n).padStart(2, '0')}.000Z`,
  receivedAt: '2026-11-01T10:01:00.000Z',
});

describe('SQLite graph cache and other writers', () => {
  it('sees identifiers another process wrote since its last transaction', async () => {
    const path = join(dir, 'kin.db');
    const server = await openSqliteStore({ path });
    const importer = await openSqliteStore({ path });
    // The server looks up anon-1 and remembers it is unknown.
    await server.transaction((tx) => applyEvents(tx, 'web', [identify('u-1', 'anon-0')], deps));
    await server.transaction((tx) => tx.loadSnapshot([{ type: 'anonymous_id', value: 'anon-1' }]));
    // Another process links anon-1 to u-2.
    await importer.transaction((tx) => applyEvents(tx, 'crm', [identify('u-2', 'anon-1')], deps));
    // The server must now see anon-1 on u-2's profile instead of inserting it again (or failing).
    const outcome = await server.transaction((tx) => applyEvents(tx, 'web', [identify('u-2', 'anon-1')], deps));
    expect(outcome.accepted).toBe(1);
    const u2 = await server.findProfileIdByIdentifier({ type: 'user_id', value: 'u-2' });
    expect(outcome.profileIds[0]).toBe(u2);
    expect((await server.stats()).profiles).toBe(2);
    await importer.close();
    await server.close();
  });
});

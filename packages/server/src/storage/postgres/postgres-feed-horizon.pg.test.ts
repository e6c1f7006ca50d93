import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '@kin/core';
import { normalizerFor } from '../../identity/policy-load.ts';
import { createGroupCommitIngestor } from '../../pipeline/group-commit.ts';
import type { Ingestor } from '../../pipeline/ingest-port.ts';
import type { Store } from '../storage.ts';
import { postgresAvailable, postgresTestStores } from './postgres-test-store.ts';

const AT = '2026-12-05T10:00:00.000Z';

if (await postgresAvailable('postgres feed horizon')) {
  const target = postgresTestStores('postgres', 4);
  describe('postgres: the event feed never passes an event that can still commit', () => {
    let store: Store;
    let ingestor: Ingestor;
    let sourceId: string;
    let writer: pg.Client;
    beforeAll(async () => {
      store = await target.create();
      ingestor = createGroupCommitIngestor({ store, policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) });
      sourceId = (await store.createSource({ name: 'web', writeKeyHash: 'horizon', createdAt: AT })).id;
      writer = new pg.Client({ connectionString: target.urlOf(store) });
      await writer.connect();
    });
    afterAll(async () => {
      await writer.end();
      await target.destroy(store);
    });

    const send = async (messageId: string): Promise<void> => {
      const outcome = await ingestor.submit({
        sourceId,
        events: [{ type: 'track', event: 'Product Added', messageId, anonymousId: `anon-${messageId}`, timestamp: AT, receivedAt: AT }],
      });
      expect(outcome.accepted).toBe(1);
    };
    const feedSeqs = async (): Promise<{ audiences: number[]; messaging: number[] }> => ({
      audiences: (await store.audiences.eventsAfter(0, 100)).map((e) => e.seq),
      messaging: (await store.messaging!.eventsAfter(0, 100)).map((e) => e.seq),
    });

    it('holds the feed below a writer that took a lower seq and has not committed, then returns both once it has', async () => {
      await send('first');
      const first = (await feedSeqs()).audiences[0] ?? 0;
      expect(first).toBeGreaterThan(0);

      // A second writer (another pipeline worker) claims a message id and inserts an event, and stays open.
      await writer.query('BEGIN');
      await writer.query(`INSERT INTO message_ids (source_id, message_id, received_at) VALUES ($1, 'slow', $2)`, [sourceId, AT]);
      const { rows } = await writer.query(
        `INSERT INTO events (message_id, source_id, profile_id, type, event, timestamp, received_at, payload)
         VALUES ('slow', $1, NULL, 'track', 'Product Added', $2, $2, $3) RETURNING seq`,
        [
          sourceId,
          AT,
          JSON.stringify({ type: 'track', event: 'Product Added', messageId: 'slow', anonymousId: 'anon-slow', timestamp: AT }),
        ],
      );
      const slow = Number(rows[0].seq);

      // An event committed after it has a higher seq, and is visible to a plain `seq >` read.
      await send('fast');
      const visible = await store.audiences.lastEventSeq();
      const fast = Number((await writer.query('SELECT max(seq) AS n FROM events')).rows[0].n);
      expect(fast).toBeGreaterThan(slow);
      expect(visible).toBeLessThan(slow);
      expect(await feedSeqs()).toEqual({ audiences: [first], messaging: [first] });

      await writer.query('COMMIT');
      expect(await feedSeqs()).toEqual({ audiences: [first, slow, fast], messaging: [first, slow, fast] });
      expect(await store.audiences.lastEventSeq()).toBeGreaterThanOrEqual(fast);
    });

    it('is not held by a write transaction of another database on the same server', async () => {
      const other = new pg.Client({ connectionString: target.urlOf(store).replace(/\/[^/?]+(\?|$)/, '/postgres$1') });
      await other.connect();
      try {
        await other.query('BEGIN');
        await other.query('SELECT pg_current_xact_id()'); // holds an xid, as a bulk load in another application would
        await send('beside-other');
        const seq = Number((await writer.query(`SELECT seq FROM events WHERE message_id = 'beside-other'`)).rows[0].seq);
        expect((await feedSeqs()).audiences).toContain(seq);
        expect(await store.audiences.lastEventSeq()).toBeGreaterThanOrEqual(seq);
      } finally {
        await other.query('ROLLBACK');
        await other.end();
      }
    });
  });
}

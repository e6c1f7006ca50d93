/**
 * The event reads of the SQLite audience port (see audience-store.ts): the feed of committed events by seq and
 * the batch read of profiles' events, on the read connection.
 */
import type Database from 'better-sqlite3';
import type { TrackingEvent } from '@kin/core';
import type { AudienceStore, SeqEvent } from '../audience-store.ts';
import { inTransaction } from './sqlite-connection.ts';
import { cachedStatement as stmt } from './sqlite-statement-cache.ts';
import { createTailIndex } from './sqlite-tail-index.ts';

type Row = Record<string, unknown>;

/** The event reads over the read connection `read`. */
export function createAudienceEventReads(
  read: () => Database.Database,
): Pick<AudienceStore, 'eventsAfter' | 'eventsOfProfiles' | 'lastEventSeq'> {
  const tail = createTailIndex();
  return {
    async eventsAfter(seq, limit, names) {
      const list = names ? JSON.stringify([...names]) : null;
      // Why the names in SQL: most payloads of a feed page are of events no definition reads (pages, identifies,
      // the evaluator's own audience events); left in the table they cost no string and no garbage.
      return (
        stmt(
          read(),
          'SELECT seq, profile_id, event, message_id, CASE WHEN ? IS NULL OR event IN (SELECT value FROM json_each(?)) THEN payload END AS payload FROM events WHERE seq > ? ORDER BY seq LIMIT ?',
        ).all(list, list, seq, limit) as Row[]
      ).map((r) => ({
        seq: r.seq as number,
        profileId: (r.profile_id as string | null) ?? null,
        event: (r.event as string | null) ?? null,
        messageId: r.message_id as string,
        payload: r.payload,
      }));
    },

    async eventsOfProfiles(groups, names, held) {
      const liveOf = new Map<string, string>();
      for (const [live, ids] of groups) for (const id of ids) liveOf.set(id, live);
      const out = new Map<string, SeqEvent[]>([...groups.keys()].map((id) => [id, []]));
      const r = read();
      // One read transaction: each entry is either in the tail (past `through_seq`) or in `timeline`.
      const rows = inTransaction(r, () => {
        const owner = new Map<number, string>();
        for (const [seq, id] of tail.entries(r, liveOf)) owner.set(seq, liveOf.get(id)!);
        const ids = JSON.stringify([...liveOf.keys()]);
        for (const row of stmt(r, 'SELECT seq, profile_id FROM timeline WHERE profile_id IN (SELECT value FROM json_each(?))').all(
          ids,
        ) as Row[]) {
          owner.set(row.seq as number, liveOf.get(row.profile_id as string)!);
        }
        for (const [seq, live] of owner) {
          const event = held?.get(seq);
          if (event && (!names || names.has(event.event ?? ''))) out.get(live)!.push({ seq, event });
        }
        // Only the payloads of events of the names asked for, and not held already, are read and parsed.
        const list = names ? JSON.stringify([...names]) : null;
        const read = stmt(
          r,
          'SELECT seq, payload FROM events WHERE seq IN (SELECT value FROM json_each(?)) AND (? IS NULL OR event IN (SELECT value FROM json_each(?)))',
        ).all(JSON.stringify(held ? [...owner.keys()].filter((seq) => !held.has(seq)) : [...owner.keys()]), list, list) as Row[];
        return read.map((row) => ({ row, live: owner.get(row.seq as number)! }));
      });
      for (const { row, live } of rows)
        out.get(live)!.push({ seq: row.seq as number, event: JSON.parse(row.payload as string) as TrackingEvent });
      return out;
    },

    async lastEventSeq() {
      return ((stmt(read(), 'SELECT max(seq) AS n FROM events').get() as Row).n as number | null) ?? 0;
    },
  };
}

/**
 * Leasing due deliveries to the delivery worker: the head of each (destination, profile) queue, due or with an
 * expired lease, marked in flight in one durable transaction. Written once in SQL for both stores like
 * messaging-sql.ts, apart from it because it is the one statement of the port that must scale with the queue.
 */
import type { MessagingDialect } from './messaging-sql.ts';
import { marks, parse, toDelivery } from './messaging-rows.ts';
import type { ClaimedDelivery, MessagingStore } from './messaging-store.ts';

/** Leases the due and expired deliveries (see `leaseDeliveries`), in one transaction that waits for the disk. */
export const leaseDueDeliveries = (
  dialect: MessagingDialect,
  query: Parameters<MessagingStore['leaseDeliveries']>[0],
): Promise<ClaimedDelivery[]> =>
  dialect.transaction(
    async (r) => {
      const leaseUntil = new Date(Date.parse(query.now) + query.leaseMs).toISOString();
      const only = query.destinationIds ? `AND d.destination_id IN (${marks(query.destinationIds.length)})` : '';
      if (query.destinationIds?.length === 0) return [];
      // The head of each (destination, profile) queue: no older delivery of that queue is still unfinished.
      // Two index range reads (due pending rows by (status, next_at), expired leases by (status, lease_until)), not
      // an OR that would scan every delivery ever made.
      const headOfQueue = `AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.destination_id = d.destination_id AND e.profile_key = d.profile_key
                           AND e.seq < d.seq AND e.status IN ('pending', 'in_flight'))`;
      const expired = await r.all(
        `SELECT d.* FROM deliveries d WHERE d.status = 'in_flight' AND d.lease_until <= ? ${only} ${headOfQueue} ORDER BY d.lease_until, d.seq LIMIT ? ${dialect.lockClause}`,
        [query.now, ...(query.destinationIds ?? []), query.limit],
      );
      const due = await r.all(
        `SELECT d.* FROM deliveries d WHERE d.status = 'pending' AND d.next_at <= ? ${only} ${headOfQueue} ORDER BY d.next_at, d.seq LIMIT ? ${dialect.lockClause}`,
        [query.now, ...(query.destinationIds ?? []), Math.max(0, query.limit - expired.length)],
      );
      const rows = [...expired, ...due];
      const leased: ClaimedDelivery[] = [];
      for (const row of rows) {
        // The attempt counts when its outcome is recorded: a worker that dies before sending has not tried.
        await r.run("UPDATE deliveries SET status = 'in_flight', lease_until = ?, updated_at = ? WHERE id = ?", [
          leaseUntil,
          query.now,
          row.id,
        ]);
        leased.push({
          ...toDelivery({ ...row, status: 'in_flight', attempts: Number(row.attempts) + 1, updated_at: query.now }),
          payload: parse(row.payload),
        });
      }
      return leased;
    },
    { durable: true },
  );

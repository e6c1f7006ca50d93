/**
 * The statements of one messaging transaction (`MessagingTx`: journey instances, decisions, claims and
 * deliveries), written once in SQL for both stores like the rest of messaging-sql.ts, apart from it so the
 * port's reads and leases and its transaction parts each read on their own.
 */
import type { MessagingTx } from './messaging-store.ts';
import type { SqlRunner } from './messaging-sql.ts';
import { engagementCounts } from './messaging-engagement-sql.ts';
import { json, marks, parse, toInstance } from './messaging-rows.ts';

/** The transaction parts over one transaction's runner; `rowLockClause` locks a read row where the database can. */
export function messagingTx(sql: SqlRunner, rowLockClause: string): MessagingTx {
  return {
    async lockInstance(id) {
      const row = (await sql.all(`SELECT * FROM journey_instances WHERE id = ? ${rowLockClause}`, [id]))[0];
      return row ? toInstance(row) : undefined;
    },
    async findInstances({ journeyKey, profileIds }) {
      if (profileIds.length === 0) return [];
      const rows = await sql.all(
        `SELECT * FROM journey_instances WHERE journey_key = ? AND profile_id IN (${marks(profileIds.length)}) ORDER BY entered_at, id`,
        [journeyKey, ...profileIds],
      );
      return rows.map(toInstance);
    },
    async insertInstance(i) {
      const found = await sql.all('SELECT id FROM journey_instances WHERE journey_key = ? AND trigger_seq = ?', [
        i.journeyKey,
        i.triggerSeq,
      ]);
      if (found.length > 0) return false;
      await sql.run(
        `INSERT INTO journey_instances (id, journey_key, profile_id, instance_key, state, step_index, due_at, held_out, trigger, trigger_seq, entered_at, ended_at, end_reason, goal_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          i.id,
          i.journeyKey,
          i.profileId,
          i.instanceKey,
          i.state,
          i.stepIndex,
          i.dueAt ?? null,
          i.heldOut ? 1 : 0,
          json(i.trigger),
          i.triggerSeq,
          i.enteredAt,
          i.endedAt ?? null,
          i.endReason ?? null,
          i.goalAt ?? null,
        ],
      );
      return true;
    },
    async updateInstance(id, patch) {
      const columns: Record<string, string> = {
        state: 'state',
        stepIndex: 'step_index',
        dueAt: 'due_at',
        endedAt: 'ended_at',
        endReason: 'end_reason',
        goalAt: 'goal_at',
      };
      const sets: string[] = [];
      const values: unknown[] = [];
      for (const [key, column] of Object.entries(columns)) {
        if (!Object.hasOwn(patch, key)) continue;
        sets.push(`${column} = ?`);
        values.push((patch as Record<string, unknown>)[key] ?? null);
      }
      if (patch.heldOut !== undefined) {
        sets.push('held_out = ?');
        values.push(patch.heldOut ? 1 : 0);
      }
      if (sets.length > 0) await sql.run(`UPDATE journey_instances SET ${sets.join(', ')} WHERE id = ?`, [...values, id]);
    },
    async recordBranch(b) {
      await sql.run(
        'INSERT INTO journey_branches (instance_id, step_index, journey_key, taken) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
        [b.instanceId, b.stepIndex, b.journeyKey, b.taken ? 1 : 0],
      );
    },
    async findClaims(profileIds, dedupeKey) {
      if (profileIds.length === 0) return [];
      const rows = await sql.all(
        `SELECT * FROM message_claims WHERE dedupe_key = ? AND profile_id IN (${marks(profileIds.length)}) ORDER BY claimed_at, owner`,
        [dedupeKey, ...profileIds],
      );
      return rows.map((r) => ({
        profileId: r.profile_id as string,
        dedupeKey: r.dedupe_key as string,
        owner: r.owner as string,
        claimedAt: r.claimed_at as string,
        expiresAt: r.expires_at as string,
      }));
    },
    async putClaim(c) {
      await sql.run('DELETE FROM message_claims WHERE profile_id = ? AND dedupe_key = ?', [c.profileId, c.dedupeKey]);
      await sql.run('INSERT INTO message_claims (profile_id, dedupe_key, owner, claimed_at, expires_at) VALUES (?, ?, ?, ?, ?)', [
        c.profileId,
        c.dedupeKey,
        c.owner,
        c.claimedAt,
        c.expiresAt,
      ]);
    },
    engagementCounts: (profileIds) => engagementCounts(sql, profileIds),
    async recentSends(profileIds, since) {
      if (profileIds.length === 0) return [];
      const rows = await sql.all(
        `SELECT decided_at, channel, tags FROM message_decisions WHERE outcome = 'sent' AND decided_at >= ? AND profile_id IN (${marks(profileIds.length)})`,
        [since, ...profileIds],
      );
      return rows.map((r) => ({ at: r.decided_at as string, channel: r.channel as string, tags: parse<string[]>(r.tags ?? '[]') }));
    },
    async insertDecision(d) {
      const { tags, ...body } = d;
      await sql.run(
        'INSERT INTO message_decisions (id, journey_key, instance_id, step_index, profile_id, outcome, channel, tags, decided_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [
          d.id,
          d.journey,
          d.instanceId,
          d.step ?? null,
          d.profileId,
          d.outcome,
          d.channel ?? null,
          json(tags ?? []),
          d.decidedAt,
          json(body),
        ],
      );
    },
    async insertDeliveries(deliveries) {
      for (const d of deliveries) {
        await sql.run(
          `INSERT INTO deliveries (id, destination_id, profile_key, kind, payload, status, attempts, next_at, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
          [d.id, d.destinationId, d.profileKey, d.kind, json(d.payload), d.createdAt, d.createdAt, d.createdAt],
        );
      }
    },
  };
}

/**
 * Engagement per profile and channel, for `choose: "best_engagement"` (rule S8): one row per counted
 * `Link Clicked` or `Email Opened` event, keyed by the event's seq so that the runner reading an event again
 * (after a crash, before its cursor committed) counts it once. Written once in SQL for both stores.
 */
import type { SqlRunner } from './messaging-sql.ts';
import { marks } from './messaging-rows.ts';

/** One engagement to count: the event's seq, the live profile, the channel it engaged with, when. */
export interface Engagement {
  seq: number;
  profileId: string;
  channel: string;
  at: string;
}

/**
 * Counts an engagement when one of `profileIds` (a live profile and those merged into it) was sent a message
 * on its channel at or before it: a click or an open answers a message that was delivered. `false` otherwise.
 */
export async function recordEngagement(sql: SqlRunner, engagement: Engagement, profileIds: string[]): Promise<boolean> {
  if (profileIds.length === 0) return false;
  const sent = await sql.all(
    `SELECT 1 AS x FROM message_decisions WHERE outcome = 'sent' AND channel = ? AND decided_at <= ? AND profile_id IN (${marks(profileIds.length)}) LIMIT 1`,
    [engagement.channel, engagement.at, ...profileIds],
  );
  if (sent.length === 0) return false;
  await sql.run(
    'INSERT INTO message_engagements (event_seq, profile_id, channel, at) VALUES (?, ?, ?, ?) ON CONFLICT (event_seq) DO NOTHING',
    [engagement.seq, engagement.profileId, engagement.channel, engagement.at],
  );
  return true;
}

/** Engagement counts per channel of these profile ids. */
export async function engagementCounts(sql: SqlRunner, profileIds: string[]): Promise<Record<string, number>> {
  if (profileIds.length === 0) return {};
  const rows = await sql.all(
    `SELECT channel, count(*) AS n FROM message_engagements WHERE profile_id IN (${marks(profileIds.length)}) GROUP BY channel`,
    profileIds,
  );
  return Object.fromEntries(rows.map((r) => [r.channel as string, Number(r.n)]));
}

/** The table (SQLite migration 25, PostgreSQL migration 21). */
export const ENGAGEMENT_SCHEMA_SQL = `
  CREATE TABLE message_engagements (event_seq BIGINT PRIMARY KEY, profile_id TEXT NOT NULL, channel TEXT NOT NULL, at TEXT NOT NULL);
  CREATE INDEX message_engagements_profile ON message_engagements (profile_id, channel);
`;

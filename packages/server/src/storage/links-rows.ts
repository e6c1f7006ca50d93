/** Row mapping and the hit-count query shared by both stores' links adapters (links-store.ts). */
import type { LinkClickRecord, LinkHitCounts, LinkHitKind, LinkRecord, TokenStatus } from './links-store.ts';

type Row = Record<string, unknown>;

/** A `links` row as a record. */
export function toLinkRecord(row: Row): LinkRecord {
  return {
    id: row.id as string,
    code: row.code as string,
    url: row.url as string,
    ...(row.campaign_id == null ? {} : { campaignId: row.campaign_id as string }),
    ...(row.expires_at == null ? {} : { expiresAt: row.expires_at as string }),
    tags: JSON.parse(row.tags as string) as string[],
    createdAt: row.created_at as string,
  };
}

/**
 * The read of a link's stats (positional parameters: the link id, twice): its counters, kept at write time
 * (`hitCountDeltas`), and its recipients. Why counters: the stats are polled (a dashboard, a campaign tool),
 * and counting every click row of a link with two DISTINCTs per poll grew with the link's clicks (at 10,000
 * clicks, a poll every 50 ms was a fifth of a redirect's CPU, docs/benchmarks.md).
 */
export const HIT_COUNTS_SQL = (param: (n: number) => string): string => `
  SELECT h.clicks, h.unique_clicks, h.bot_clicks, h.head_requests, h.invalid_token_clicks, h.recipients_clicked, h.opens, h.machine_opens,
    (SELECT count(*) FROM link_recipients WHERE link_id = ${param(2)}) AS recipients
  FROM (SELECT 1 AS one) o LEFT JOIN link_hit_counts h ON h.link_id = ${param(1)}`;

/** The counters of `link_hit_counts`, in the order of `hitCountDeltas`. */
export const HIT_COUNTERS = [
  'clicks',
  'unique_clicks',
  'bot_clicks',
  'head_requests',
  'invalid_token_clicks',
  'recipients_clicked',
  'opens',
  'machine_opens',
] as const;

/** Where `unique_clicks` and `recipients_clicked` are in `HIT_COUNTERS`. */
export const UNIQUE_CLICKS = 1;
export const RECIPIENTS_CLICKED = 5;

const INVALID_TOKENS: ReadonlySet<TokenStatus> = new Set(['invalid', 'expired', 'foreign']);

/**
 * What one recorded hit adds to its link's counters, parallel to `HIT_COUNTERS`; the two distinct counts are
 * added by the store when `hitFirsts` are new to the link. The rule of each count lives here, and in
 * `HIT_RECOUNT_SQL` only to rebuild counters from the click rows (a privacy delete, the migration): the links
 * conformance suite checks that both agree.
 */
export function hitCountDeltas(c: LinkClickRecord): number[] {
  const deltas = HIT_COUNTERS.map(() => 0);
  addHitCounts(deltas, c);
  return deltas;
}

/** Adds a hit's `hitCountDeltas` to `counts` in place (the tally's form: no array per click on the writer). */
function addHitCounts(counts: number[], c: LinkClickRecord): void {
  const get = c.kind === 'get';
  const open = c.kind === 'open';
  if (get) {
    counts[c.bot ? 2 : 0]! += 1;
    if (INVALID_TOKENS.has(c.token)) counts[4]! += 1;
  } else if (open) counts[c.bot ? 7 : 6]! += 1;
  else if (c.kind === 'head') counts[3]! += 1;
}

/** The distinct values a hit may be the first of on its link: its visitor (unique clicks) and its recipient (recipients who clicked). */
export function hitFirsts(c: LinkClickRecord): Array<{ kind: 'visitor' | 'recipient'; value: string; counter: number }> {
  if (c.kind !== 'get' || c.bot) return [];
  const firsts: Array<{ kind: 'visitor' | 'recipient'; value: string; counter: number }> = [];
  if (c.visitor !== undefined) firsts.push({ kind: 'visitor', value: c.visitor, counter: UNIQUE_CLICKS });
  if (c.token === 'valid' && c.recipientId !== undefined)
    firsts.push({ kind: 'recipient', value: c.recipientId, counter: RECIPIENTS_CLICKED });
  return firsts;
}

/**
 * A transaction's additions to its links' counters, written once per link at its end (both stores). Why: a
 * statement per click on one hot row cost the SQLite writer a fifth more per click, and PostgreSQL must lock
 * counter rows in one order (`take` answers them by link id).
 */
export interface HitTally {
  /** Adds a recorded hit's `hitCountDeltas`. */
  add(c: LinkClickRecord): void;
  /** Counts a first (`hitFirsts`) that was new to its link. */
  addFirst(linkId: string, counter: number): void;
  /** The additions by link, in link order; the tally starts over. */
  take(): Array<[string, number[]]>;
}

/** Creates an empty tally. */
export function createHitTally(): HitTally {
  let deltas = new Map<string, number[]>();
  const of = (linkId: string): number[] => {
    let d = deltas.get(linkId);
    if (!d) deltas.set(linkId, (d = HIT_COUNTERS.map(() => 0)));
    return d;
  };
  return {
    add(c) {
      addHitCounts(of(c.linkId), c);
    },
    addFirst(linkId, counter) {
      of(linkId)[counter]! += 1;
    },
    take() {
      const taken = [...deltas].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      deltas = new Map();
      return taken;
    },
  };
}

/**
 * Rebuilds the counters of the links `links` names (a subquery, or a dialect's list of one parameter) from
 * their click rows: each statement takes that parameter once, if it has one. The SQL twin of `hitCountDeltas`
 * and `hitFirsts`, for the rare rebuild (a privacy delete removes click rows; migration fills the counters).
 */
export const HIT_RECOUNT_SQL = (links: string): string[] => [
  `DELETE FROM link_hit_firsts WHERE link_id IN (${links})`,
  `DELETE FROM link_hit_counts WHERE link_id IN (${links})`,
  `INSERT INTO link_hit_firsts (link_id, kind, value)
     SELECT link_id, 'visitor', visitor FROM link_clicks WHERE link_id IN (${links}) AND kind = 'get' AND bot = 0 AND visitor IS NOT NULL
     UNION
     SELECT link_id, 'recipient', recipient_id FROM link_clicks WHERE link_id IN (${links}) AND kind = 'get' AND bot = 0 AND token = 'valid' AND recipient_id IS NOT NULL`,
  `INSERT INTO link_hit_counts (link_id, ${HIT_COUNTERS.join(', ')})
     SELECT link_id,
       count(*) FILTER (WHERE kind = 'get' AND bot = 0),
       (SELECT count(*) FROM link_hit_firsts f WHERE f.link_id = c.link_id AND f.kind = 'visitor'),
       count(*) FILTER (WHERE kind = 'get' AND bot = 1),
       count(*) FILTER (WHERE kind = 'head'),
       count(*) FILTER (WHERE kind = 'get' AND token IN ('invalid', 'expired', 'foreign')),
       (SELECT count(*) FROM link_hit_firsts f WHERE f.link_id = c.link_id AND f.kind = 'recipient'),
       count(*) FILTER (WHERE kind = 'open' AND bot = 0),
       count(*) FILTER (WHERE kind = 'open' AND bot = 1)
     FROM link_clicks c WHERE link_id IN (${links}) GROUP BY link_id`,
];

/** The tables of the counters, filled from the click rows already stored: `key` is each store's key text type, `table` ends a table. */
export const HIT_COUNTER_MIGRATION = (key: string, table: string): string => `
  CREATE TABLE link_hit_counts (
    link_id ${key} PRIMARY KEY,
    ${HIT_COUNTERS.map((c) => `${c} BIGINT NOT NULL`).join(',\n    ')}
  )${table};
  CREATE TABLE link_hit_firsts (
    link_id ${key} NOT NULL,
    kind TEXT NOT NULL,
    value ${key} NOT NULL,
    PRIMARY KEY (link_id, kind, value)
  )${table};
  ${HIT_RECOUNT_SQL('SELECT link_id FROM link_clicks').join(';\n')};
`;

/** A count row as `LinkHitCounts`. */
export function toHitCounts(row: Row | undefined): LinkHitCounts {
  const n = (key: string): number => Number(row?.[key] ?? 0);
  return {
    clicks: n('clicks'),
    uniqueClicks: n('unique_clicks'),
    botClicks: n('bot_clicks'),
    headRequests: n('head_requests'),
    invalidTokenClicks: n('invalid_token_clicks'),
    recipients: n('recipients'),
    recipientsClicked: n('recipients_clicked'),
    opens: n('opens'),
    machineOpens: n('machine_opens'),
  };
}

/** The columns of a `link_clicks` insert, in the order of `linkClickValues`. */
export const LINK_CLICK_COLUMNS =
  'click_id, link_id, kind, at, bot, reason, token, recipient_id, profile_id, anchor_type, anchor_value, visitor';

/** A click's values for `LINK_CLICK_COLUMNS` (the inverse of `toLinkClickRecord`). */
export function linkClickValues(c: LinkClickRecord): unknown[] {
  return [
    c.clickId,
    c.linkId,
    c.kind,
    c.at,
    c.bot ? 1 : 0,
    c.reason ?? null,
    c.token,
    c.recipientId ?? null,
    c.profileId ?? null,
    c.anchor?.type ?? null,
    c.anchor?.value ?? null,
    c.visitor ?? null,
  ];
}

/** A `link_clicks` row as a record (`bot` is 0/1 on both stores). */
export function toLinkClickRecord(row: Row): LinkClickRecord {
  const optional = (key: string): string | undefined => (row[key] == null ? undefined : (row[key] as string));
  const reason = optional('reason');
  const recipientId = optional('recipient_id');
  const profileId = optional('profile_id');
  const visitor = optional('visitor');
  return {
    clickId: row.click_id as string,
    linkId: row.link_id as string,
    kind: row.kind as LinkHitKind,
    at: row.at as string,
    bot: Number(row.bot) === 1,
    token: row.token as TokenStatus,
    ...(reason === undefined ? {} : { reason }),
    ...(recipientId === undefined ? {} : { recipientId }),
    ...(profileId === undefined ? {} : { profileId }),
    ...(row.anchor_type == null ? {} : { anchor: { type: row.anchor_type as string, value: row.anchor_value as string } }),
    ...(visitor === undefined ? {} : { visitor }),
  };
}

/** The order of `listProfileClicks`, shared by both stores: newest first. */
export const PROFILE_CLICKS_ORDER = 'ORDER BY at DESC, click_id DESC';

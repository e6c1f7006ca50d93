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

/** The count query of a link's hits, shared by both stores (positional parameters: the link id, twice). */
export const HIT_COUNTS_SQL = (param: (n: number) => string): string => `
  SELECT
    count(*) FILTER (WHERE kind = 'get' AND bot = 0) AS clicks,
    count(DISTINCT visitor) FILTER (WHERE kind = 'get' AND bot = 0) AS unique_clicks,
    count(*) FILTER (WHERE kind = 'get' AND bot = 1) AS bot_clicks,
    count(*) FILTER (WHERE kind = 'head') AS head_requests,
    count(*) FILTER (WHERE kind = 'get' AND token IN ('invalid', 'expired', 'foreign')) AS invalid_token_clicks,
    count(DISTINCT recipient_id) FILTER (WHERE kind = 'get' AND bot = 0 AND token = 'valid') AS recipients_clicked,
    count(*) FILTER (WHERE kind = 'open' AND bot = 0) AS opens,
    count(*) FILTER (WHERE kind = 'open' AND bot = 1) AS machine_opens,
    (SELECT count(*) FROM link_recipients WHERE link_id = ${param(2)}) AS recipients
  FROM link_clicks WHERE link_id = ${param(1)}`;

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

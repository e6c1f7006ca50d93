/**
 * Tracked-link clicks on the ingest path (see docs/links.md). A click is a `Link Clicked` event (an open an
 * `Email Opened`, a HEAD request a `Link Checked`) that the redirect route submits under the links source;
 * its click row travels in `context.kin.click` and is written in the transaction that stores the event, so
 * both modes (the embedded writer, the NATS worker) record it with the event, once.
 *
 * Why the source id is the trust mark: only the server submits under it (write keys name other sources), so
 * a client cannot record clicks by sending a `context.kin.click` of its own.
 */
import type { JsonObject, LinkClickSnapshot, PreparedEvent, ResolutionPlan } from '@kin/core';
import type { LinkClickRecord, LinkHitKind, TokenStatus } from '../storage/links-store.ts';
import type { StoreTx } from '../storage/storage.ts';

/** The source id of events the link routes submit. Not a row of `sources`: no write key can name it. */
export const LINKS_SOURCE_ID = 'kin-links';

/** What the link routes put in `context.kin.click` (the click row without what resolution adds). */
export type ClickContext = Omit<LinkClickRecord, 'profileId' | 'anchor'>;

const KINDS: ReadonlySet<string> = new Set<LinkHitKind>(['get', 'head', 'open']);
const TOKENS: ReadonlySet<string> = new Set<TokenStatus>(['none', 'valid', 'invalid', 'expired', 'foreign']);
const textOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * The click row of a links-source event, with the profile it went to; `undefined` for any other event. Why no
 * closure or spread per call: it runs once per click on the writer thread, beside the click's insert.
 */
export function clickRecordOf(prepared: PreparedEvent, profileId: string | undefined): LinkClickRecord | undefined {
  const kin = prepared.event.context?.['kin'];
  const click = typeof kin === 'object' && kin !== null && !Array.isArray(kin) ? (kin as JsonObject)['click'] : undefined;
  if (typeof click !== 'object' || click === null || Array.isArray(click)) return undefined;
  const c = click as JsonObject;
  const { clickId, linkId, kind, at, token } = c;
  if (typeof clickId !== 'string' || typeof linkId !== 'string' || typeof at !== 'string') return undefined;
  if (typeof kind !== 'string' || !KINDS.has(kind) || typeof token !== 'string' || !TOKENS.has(token)) return undefined;
  const record: LinkClickRecord = { clickId, linkId, kind: kind as LinkHitKind, at, bot: c['bot'] === true, token: token as TokenStatus };
  const reason = textOf(c['reason']);
  if (reason !== undefined) record.reason = reason;
  const recipientId = textOf(c['recipientId']);
  if (recipientId !== undefined) record.recipientId = recipientId;
  const visitor = textOf(c['visitor']);
  if (visitor !== undefined) record.visitor = visitor;
  if (profileId !== undefined) record.profileId = profileId;
  // The recipient's identifier, as resolution normalised it (the event carries no other).
  const anchor = kind === 'get' && token === 'valid' ? prepared.identifiers[0] : undefined;
  if (anchor) record.anchor = { type: anchor.type, value: anchor.value };
  return record;
}

/** R14's click, read in the transaction when the event names one and the store keeps links; else `undefined`. */
export async function clickForSnapshot(
  source: Partial<Pick<StoreTx, 'links'>>,
  prepared: PreparedEvent,
): Promise<LinkClickSnapshot | null | undefined> {
  if (prepared.linkClick === undefined || !source.links) return undefined;
  return source.links.findLinkClick(prepared.linkClick);
}

/**
 * After the plan is applied: counts the browser R14 linked, and records the click row of a links-source
 * event (never on a replay: its row is there already). A links-source event without a profile (a bot or a
 * click without a valid token) is expected, so its `no_identity` warning was left out (`withoutNoIdentity`).
 */
export async function afterLinkApply(
  tx: StoreTx,
  input: { prepared: PreparedEvent; plan: ResolutionPlan; sourceId: string; replay: boolean; profileId: string | undefined },
): Promise<void> {
  if (input.plan.linkBrowser) await tx.links.addLinkBrowser(input.plan.linkBrowser.clickId, input.plan.linkBrowser.anonymousId);
  if (input.sourceId !== LINKS_SOURCE_ID || input.replay) return;
  const click = clickRecordOf(input.prepared, input.profileId);
  if (click) await tx.links.recordLinkClick(click);
}

/** Whether `afterLinkApply` has anything to do for this plan (tested first on the hot path: most events have nothing). */
export function linkApplyNeeded(plan: ResolutionPlan, sourceId: string): boolean {
  return plan.linkBrowser !== undefined || sourceId === LINKS_SOURCE_ID;
}

/** A links-source plan without its `no_identity` warning (see `afterLinkApply`); any other plan as it is. */
export function withoutNoIdentity(plan: ResolutionPlan, sourceId: string): ResolutionPlan {
  if (sourceId !== LINKS_SOURCE_ID || plan.target.kind !== 'none') return plan;
  return { ...plan, warnings: plan.warnings.filter((w) => w.kind !== 'no_identity') };
}

/**
 * A link hit's stored text and prepared form, made on the thread that answers the redirects without the
 * generic walks: the payload written from the hit (`hitPayload`, the same text as `JSON.stringify(hitEvent(hit))`)
 * and the identifiers extracted once per recipient (`createClickPreparer`). Why: serialising the event and
 * extracting its identifiers were a third of a click's work on that thread (docs/benchmarks.md, bench:links).
 * The tests beside this file hold both to the generic path for every shape of hit.
 */
import type { PreparedEvent, TrackingEvent } from '@kin/core';
import type { ResolveDeps } from '../pipeline/event-apply.ts';
import { prepareOne } from '../pipeline/event-apply.ts';
import type { WholeSubmission } from '../pipeline/ingest-port.ts';
import { LINKS_SOURCE_ID } from '../pipeline/link-click-apply.ts';
import type { LinkRecord } from '../storage/links-store.ts';
import type { LinkHit } from './link-events.ts';
import { HIT_EVENT, hitEvent, visitorOf } from './link-events.ts';

/** A link's fields as JSON texts, made once per link. */
const linkTexts = new WeakMap<LinkRecord, { id: string; code: string; url: string; campaign: string }>();
// The last user agent's text: clicks come in bursts from few browser builds, and it is the longest string.
let lastAgent: { agent: string; text: string } | undefined;

/**
 * `JSON.stringify(hitEvent(hit))`, written from the hit without walking the event's nested objects. A field
 * added to `hitEvent` must be added here (link-prepare.test.ts fails until it is).
 */
export function hitPayload(hit: LinkHit): string {
  const q = JSON.stringify;
  const { link } = hit;
  let l = linkTexts.get(link);
  if (!l) {
    l = { id: q(link.id), code: q(link.code), url: q(link.url), campaign: link.campaignId ? q(link.campaignId) : '' };
    linkTexts.set(link, l);
  }
  const bot = hit.machine !== undefined;
  const clickId = q(hit.clickId);
  const at = q(hit.at);
  const token = q(hit.token);
  const reason = hit.machine ? q(hit.machine) : undefined;
  const recipientId = hit.recipient && hit.token !== 'invalid' ? `,"recipientId":${q(hit.recipient.id)}` : '';
  const attach = hit.kind !== 'head' && hit.machine === undefined && hit.token === 'valid' && hit.recipient;
  let agent = '';
  if (hit.userAgent) {
    if (lastAgent?.agent !== hit.userAgent) lastAgent = { agent: hit.userAgent, text: q(hit.userAgent) };
    agent = `,"userAgent":${lastAgent.text}`;
  }
  const external =
    attach && hit.recipient ? `,"externalIds":[{"type":${q(hit.recipient.ref.type)},"id":${q(hit.recipient.ref.value)}}]` : '';
  return (
    `{"type":"track","event":${q(HIT_EVENT[hit.kind])},"messageId":${clickId},"timestamp":${at},"receivedAt":${at},` +
    `"properties":{"link_id":${l.id},"code":${l.code},"url":${l.url},"click_id":${clickId},"bot":${bot},"token":${token}` +
    `${reason ? `,"bot_reason":${reason}` : ''}${l.campaign ? `,"campaign_id":${l.campaign}` : ''}},` +
    `"context":{"kin":{"click":{"clickId":${clickId},"linkId":${l.id},"kind":${q(hit.kind)},"at":${at},"bot":${bot},"token":${token},` +
    `"visitor":${q(visitorOf(hit))}${reason ? `,"reason":${reason}` : ''}${recipientId}}}` +
    `${hit.ip ? `,"ip":${q(hit.ip)}` : ''}${agent}${external}}}`
  );
}

/**
 * `prepareOne` for the events of link hits, extracted once per recipient. Why sound: a hit's event names no
 * one but its recipient (`context.externalIds`; no userId, anonymousId, traits or device), so its identifiers
 * and refusals are a function of that identifier and the policy. Each event gets its own identifier objects.
 */
export function createClickPreparer(deps: ResolveDeps, limit = 10_000): (event: TrackingEvent) => PreparedEvent {
  // Each entry keeps the first event it was made from; only its identifiers and refusals are reused.
  const memo = new Map<string, PreparedEvent>();
  return (event) => {
    const named = event.context?.['externalIds'];
    const first = Array.isArray(named) ? (named[0] as { type?: unknown; id?: unknown } | undefined) : undefined;
    const key = first ? `${String(first.type)}\u0000${String(first.id)}` : '';
    let known = memo.get(key);
    if (!known) {
      if (memo.size >= limit) memo.clear();
      memo.set(key, (known = prepareOne(event, LINKS_SOURCE_ID, deps, undefined)));
    }
    const refused = known.refused.length === 0 ? [] : structuredClone(known.refused);
    return { ...known, event, identifiers: known.identifiers.map((i) => ({ ...i })), refused };
  };
}

/**
 * The submission of gathered hits (link-click-queue.ts): their events under the links source, prepared (each
 * event's stored text written from its hit, `hitPayload`, and its identifiers) when `prepare` is given.
 */
export function hitSubmission(prepare?: (event: TrackingEvent) => PreparedEvent): (hits: LinkHit[]) => WholeSubmission {
  return (hits) => {
    const events = hits.map(hitEvent);
    if (!prepare) return { sourceId: LINKS_SOURCE_ID, events };
    return { sourceId: LINKS_SOURCE_ID, events, prepared: { events: events.map(prepare), payloads: hits.map(hitPayload) } };
  };
}

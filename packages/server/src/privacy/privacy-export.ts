/**
 * The export of one person (`GET /v1/privacy/requests/{id}/export`): the live profile the request named
 * (following merges since), its identifiers, traits with history, events, merge ledger entries, consent,
 * warnings, computed trait values, audience memberships, messaging decisions, deliveries and tracked-link clicks.
 * Everything is read by that
 * profile's id (its timeline, its ledger, its family's warnings and decisions, its computed state), so nothing
 * of another profile can enter it.
 *
 * NDJSON is written as it is read (a page of events at a time), so a large timeline never sits in memory
 * as one string.
 */
import type { PrivacyExport, PrivacyExportLine, TimelineEvent } from '@kin/core';
import type { Store } from '../storage/storage.ts';
import { privacyOf } from './privacy-requests.ts';

/** Events read per timeline page. */
const PAGE = 1000;
/** Most messaging decisions exported (a person gets a few per journey step; the newest are kept). */
const MAX_MESSAGES = 10_000;
/** Most link hits exported (the newest are kept). */
const MAX_CLICKS = 10_000;

/** The lines of an export, in order: profile, identifiers, traits, events, merges, consent, warnings, computed, audiences, messages, deliveries, clicks. */
export async function* exportLines(
  store: Store,
  options: { requestId: string; profileId: string | null; exportedAt: string },
): AsyncGenerator<PrivacyExportLine> {
  const profile = options.profileId === null ? undefined : await store.findProfile(options.profileId);
  yield { kind: 'profile', requestId: options.requestId, exportedAt: options.exportedAt, profile: profile ?? null };
  if (!profile) return;
  for (const identifier of profile.externalIds) yield { kind: 'identifier', identifier };
  for (const trait of await store.listTraitHistory(profile.id)) yield { kind: 'trait', trait };
  let cursor: string | undefined;
  do {
    const page = await store.listProfileEvents(profile.id, { limit: PAGE, ...(cursor ? { cursor } : {}) });
    for (const event of page.data) yield { kind: 'event', event };
    cursor = page.cursor.next ?? undefined;
  } while (cursor);
  for (const merge of await store.listProfileMerges(profile.id)) yield { kind: 'merge', merge };
  for (const [category, c] of Object.entries(profile.consent ?? {}))
    yield { kind: 'consent', category, granted: c.granted, timestamp: c.timestamp };
  const privacy = privacyOf(store);
  const family = await privacy.profileFamily(profile.id);
  for (const warning of await privacy.listProfileWarnings(family)) yield { kind: 'warning', warning };
  const state = (await store.audiences.readStates([profile.id])).get(profile.id);
  for (const [key, value] of Object.entries(state?.values ?? {})) yield { kind: 'computed', key, value };
  for (const [key, enteredAt] of Object.entries(state?.audiences ?? {})) yield { kind: 'audience', key, enteredAt };
  for (const message of await store.messaging.listDecisions({ profileIds: family, limit: MAX_MESSAGES }))
    yield { kind: 'message', message };
  for (const delivery of (await store.messaging.listDeliveries({ profileIds: family, limit: MAX_MESSAGES })).data)
    yield { kind: 'delivery', delivery };
  for (const c of await store.links.listProfileClicks(family, MAX_CLICKS)) {
    // The recipient id, anchor and visitor hash are Kin's join keys, not the person's data: left out.
    yield {
      kind: 'click',
      click: {
        clickId: c.clickId,
        linkId: c.linkId,
        kind: c.kind,
        at: c.at,
        bot: c.bot,
        ...(c.reason === undefined ? {} : { reason: c.reason }),
        profileId: c.profileId ?? profile.id,
      },
    };
  }
}

/** The whole export as one JSON document. */
export async function exportDocument(
  store: Store,
  options: { requestId: string; profileId: string | null; exportedAt: string },
): Promise<PrivacyExport> {
  const doc: PrivacyExport = {
    requestId: options.requestId,
    exportedAt: options.exportedAt,
    profile: null,
    identifiers: [],
    traits: [],
    events: [],
    merges: [],
    consent: {},
    warnings: [],
    computed: {},
    audiences: [],
    messages: [],
    deliveries: [],
    clicks: [],
  };
  const events: TimelineEvent[] = doc.events;
  for await (const line of exportLines(store, options)) {
    if (line.kind === 'profile') doc.profile = line.profile;
    else if (line.kind === 'identifier') doc.identifiers.push(line.identifier);
    else if (line.kind === 'trait') doc.traits.push(line.trait);
    else if (line.kind === 'event') events.push(line.event);
    else if (line.kind === 'merge') doc.merges.push(line.merge);
    else if (line.kind === 'consent') doc.consent[line.category] = { granted: line.granted, timestamp: line.timestamp };
    else if (line.kind === 'warning') doc.warnings.push(line.warning);
    else if (line.kind === 'computed') doc.computed[line.key] = line.value;
    else if (line.kind === 'audience') doc.audiences.push({ key: line.key, enteredAt: line.enteredAt });
    else if (line.kind === 'message') doc.messages.push(line.message);
    else if (line.kind === 'delivery') doc.deliveries.push(line.delivery);
    else doc.clicks.push(line.click);
  }
  return doc;
}

/**
 * R14 (landing stitching) of the resolver: whether a tracked-link click's anchor takes part in an event, and
 * which browser the store counts against the click. Apart from identity-resolve.ts so the resolver reads as
 * its rules; the rule itself is written at the top of identity-resolve.ts.
 */
import { epochMs } from '../spec/time-parse.ts';
import type { PreparedEvent } from './identifier-extract.ts';
import type { IdentityPolicy, IdentitySnapshot, KnownIdentifier, ResolutionPlan } from './identity-types.ts';
import { DAY_MS, LINK_CLICK_TYPE, type Candidate, type PlanNotes } from './resolve-candidates.ts';

/** R14: the clicked profile's anchor as a candidate, or `undefined` (refusing the click when it may not stitch). */
export function linkClickCandidate(
  snapshot: IdentitySnapshot,
  prepared: PreparedEvent,
  active: Candidate[],
  policy: IdentityPolicy,
  knownOf: (type: string, value: string) => KnownIdentifier | undefined,
  notes: PlanNotes,
  eventTime: number,
): Candidate | undefined {
  const clickId = prepared.linkClick;
  const click = snapshot.linkClick;
  if (clickId === undefined || click === undefined) return undefined;
  const browser = active.find((c) => c.type === 'anonymous_id' && !c.alias);
  if (!browser) return undefined;
  const refuse = (detail: string): undefined => {
    notes.refuseWith('link_click', { type: LINK_CLICK_TYPE, value: clickId }, detail);
    return undefined;
  };
  // An id Kin never issued (another tool's parameter, a copied or made-up URL) is no click: ignored like a
  // missing token, not a refusal — a warning on every such landing would bury the ones that matter.
  if (click === null) return undefined;
  if (click.anchor === undefined) return undefined;
  if (click.bot) return refuse('the click was flagged as a bot or link scanner');
  const age = eventTime - epochMs(click.at);
  if (age > policy.linkClick.maxAgeDays * DAY_MS) return refuse(`the click is more than ${policy.linkClick.maxAgeDays} days old`);
  const known = knownOf(click.anchor.type, click.anchor.value);
  if (!known) return refuse('the clicked profile no longer holds the recipient identifier');
  if (browser.known?.profileId === known.profileId) return undefined;
  if (!click.browsers.includes(browser.value) && click.browsers.length >= policy.linkClick.maxBrowsers) {
    return refuse(`the click already brought ${click.browsers.length} browsers (at most ${policy.linkClick.maxBrowsers})`);
  }
  const clicked = snapshot.profiles.get(known.profileId);
  const clickedUsers = new Set(clicked?.identifiers.filter((id) => id.type === 'user_id').map((id) => id.value) ?? []);
  const otherUsers = new Set<string>();
  for (const c of active) {
    if (c.type === 'user_id' && c.known?.profileId !== known.profileId) otherUsers.add(c.value);
    const profile = c.known && c.known.profileId !== known.profileId ? snapshot.profiles.get(c.known.profileId) : undefined;
    for (const id of profile?.identifiers ?? []) if (id.type === 'user_id') otherUsers.add(id.value);
  }
  if (clickedUsers.size > 0 && otherUsers.size > 0) return refuse('it would join two profiles that each have a user id');
  return { type: known.type, value: known.value, alias: false, known, link: clickId };
}

/** R14: the browser to count against the click's limit, when the anchor took part and the browser is new to it. */
export function linkBrowserOf(active: Candidate[], snapshot: IdentitySnapshot): ResolutionPlan['linkBrowser'] {
  const anchor = active.find((c) => c.link !== undefined);
  const browser = active.find((c) => c.type === 'anonymous_id' && !c.alias);
  if (!anchor?.link || !browser || snapshot.linkClick?.browsers.includes(browser.value)) return undefined;
  return { clickId: anchor.link, anonymousId: browser.value };
}

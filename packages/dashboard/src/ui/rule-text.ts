/** How the dashboard words the identity resolver's rules. */

/** Plain words for the resolver's rules (docs/identity.md numbers them). */
export const RULE_TEXT: Record<string, string> = {
  new_profile: 'first seen here: the event made this profile',
  attach: 'arrived on an event beside an identifier already on this profile',
  merge: 'joined two profiles: it was on both',
  alias: 'an alias call linked it',
  invalid: 'not a valid value',
  blocked: 'blocked by the policy',
  limit: 'over the limit for its type',
  unverified: 'not verified for its source',
  tombstoned: 'removed for good earlier',
  shared_device: 'a shared device',
  no_consent: 'no consent to link',
  do_not_link: 'a do-not-link rule',
};

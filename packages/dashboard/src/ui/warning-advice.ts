/** One line of advice per warning kind: what happened to the data, and what (if anything) to do. */
export const WARNING_ADVICE: Record<string, string> = {
  rejected_event: 'The event was not stored. Fix the sender: the field named says what to change.',
  identifier_refused:
    'The event was kept on the profile, without this identifier. Nothing to do for a shared device; if one person really uses this many, raise the limit for the type in the identity policy (docs/identity.md).',
  merge_cap:
    'Two profiles were not merged: the survivor has reached the merge cap. Look for an identifier many people share (a test email, a shop tablet).',
  identifier_cap:
    'A profile would hold more identifiers than the cap; the newest were set aside. Look for an identifier many people share.',
  no_identity:
    'Stored without a profile: the event had no userId, anonymousId or other identifier. Check that the SDK sends an anonymousId.',
  unverified_identity: 'The identifier was not used because its verification (identity hash) was missing or wrong for this source.',
  shared_device: 'A device seen with several user ids counts as shared: it is never used to merge people. Nothing to do.',
};

/** Advice for a kind (a generic line for kinds this dashboard does not know yet). */
export function adviceFor(kind: string): string {
  return WARNING_ADVICE[kind] ?? 'See docs/errors.md for this kind.';
}

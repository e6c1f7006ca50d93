/**
 * What a warning is about, for the dashboard (`GET /v1/warnings?subjects=1`): the person's name when the
 * warning names a profile, and for a refused identifier the identifier itself (read from the profile's
 * refusals by the event's message id: the warning row keeps only the type in its message).
 */
import type { Identifier } from '@kin/core';
import type { WarningWithSubject } from '@kin/core/api/index.ts';
import type { RefusalRecord, Store, WarningRecord } from '../storage/storage.ts';

/** Adds subjects to a page of warnings; one profile read (and one explain for refusals) per distinct profile. */
export async function withSubjects(store: Store, warnings: WarningRecord[]): Promise<WarningWithSubject[]> {
  const names = new Map<string, string | undefined>();
  const refusals = new Map<string, RefusalRecord[]>();
  const out: WarningWithSubject[] = [];
  for (const warning of warnings) {
    const profileId = warning.profileId;
    if (!profileId) {
      out.push(warning);
      continue;
    }
    if (!names.has(profileId)) {
      const profile = await store.findProfile(profileId);
      const t = profile?.traits ?? {};
      const name =
        [t['firstName'], t['lastName']].filter((x) => typeof x === 'string').join(' ') || (typeof t['name'] === 'string' ? t['name'] : '');
      names.set(profileId, name || undefined);
    }
    let identifier: Identifier | undefined;
    if (warning.kind === 'identifier_refused' && warning.messageId) {
      if (!refusals.has(profileId)) refusals.set(profileId, (await store.explainProfile(profileId))?.refusals ?? []);
      const refusal = refusals
        .get(profileId)
        ?.find(
          (r) =>
            r.messageId === warning.messageId &&
            (!warning.sourceId || r.sourceId === warning.sourceId) &&
            warning.message.startsWith(`${r.type} `),
        );
      if (refusal) identifier = { type: refusal.type, value: refusal.value };
    }
    const profileName = names.get(profileId);
    out.push({ ...warning, subject: { ...(profileName ? { profileName } : {}), ...(identifier ? { identifier } : {}) } });
  }
  return out;
}

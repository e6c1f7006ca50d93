/**
 * The typed confirmation of a privacy action: the operator types the identifier the request is made by,
 * so a delete is never one stray click and always names the person it acts on. The identifier is the most
 * recognisable one the profile holds (email, then phone, then user id, then any other); a profile with none
 * is confirmed by its id.
 */
import type { Profile, PrivacyRequestType } from '@kin/core/api/index.ts';

/** What the operator must type, and the ref the request is made by. */
export interface ConfirmationTarget {
  /** `type:value` (or a profile id) for `subject.ref`. */
  ref: string;
  /** What is shown and must be typed. */
  value: string;
}

const PREFERRED = ['email', 'phone', 'user_id'];
const rank = (type: string) => (PREFERRED.includes(type) ? PREFERRED.indexOf(type) : PREFERRED.length);

/** The most recognisable of `type:value` refs (a privacy request's subject), the first of equals. */
export function recognisableRef(refs: readonly string[]): string | undefined {
  const typeOf = (ref: string) => ref.slice(0, Math.max(0, ref.indexOf(':')));
  return [...refs].sort((a, b) => rank(typeOf(a)) - rank(typeOf(b)))[0];
}

/** The identifier a privacy action on this profile is confirmed with. */
export function confirmationTarget(profile: Pick<Profile, 'id' | 'externalIds'>): ConfirmationTarget {
  const best = [...profile.externalIds].sort((a, b) => rank(a.type) - rank(b.type) || a.firstSeen.localeCompare(b.firstSeen))[0];
  return best ? { ref: `${best.type}:${best.value}`, value: best.value } : { ref: profile.id, value: profile.id };
}

/** True when what was typed is the identifier (surrounding spaces aside; case matters: ids are exact). */
export function confirms(typed: string, target: ConfirmationTarget): boolean {
  return typed.trim() === target.value;
}

/** The actions the profile page offers, what each does (shown before confirming), and its button. */
export const PRIVACY_ACTIONS: Record<
  Extract<PrivacyRequestType, 'export' | 'suppress' | 'delete'>,
  { label: string; explains: string; danger: boolean }
> = {
  export: {
    label: 'Export',
    explains: 'Export everything Kin holds about this person: profile, identifiers, traits, events, merges and consent.',
    danger: false,
  },
  suppress: {
    label: 'Suppress',
    explains: 'Drop this person’s new events at the edge from now on, on every identifier they have. History is kept; unsuppress lifts it.',
    danger: false,
  },
  delete: {
    label: 'Delete',
    explains:
      'Delete this person: their events, traits, identifiers and merges are removed and every identifier is tombstoned, so re-sent events are dropped. This cannot be undone.',
    danger: true,
  },
};

/**
 * Phone numbers to E.164 with libphonenumber-js; the core takes this as its phone normaliser.
 *
 * Why two standards of proof: a number written with its country code (`+33 6…`, or `0033 6…` with the
 * `00` international prefix most of the world dials) says where it belongs, so a possible length is
 * enough; a national number (`06 12 34 56 78`) is read in a region the sender did not state, so it must be
 * a valid number of that region, or it is refused rather than turned into a wrong E.164 (`+10612345678`).
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { CountryCode } from 'libphonenumber-js';

const SEPARATORS = /[\s().\-/]/g;

/** A normaliser for one default region; a per-call `region` (e.g. the source's) replaces it. */
export function createPhoneNormalizer(defaultRegion: string): (raw: string, region?: string) => string | undefined {
  return (raw, region) => {
    let text = raw.trim();
    const compact = text.replace(SEPARATORS, '');
    if (/^00[1-9]/.test(compact)) text = `+${compact.slice(2)}`;
    if (text.startsWith('+')) {
      const parsed = parsePhoneNumberFromString(text);
      return parsed && parsed.isPossible() ? parsed.number : undefined;
    }
    const parsed = parsePhoneNumberFromString(text, (region ?? defaultRegion).toUpperCase() as CountryCode);
    return parsed && parsed.isValid() ? parsed.number : undefined;
  };
}

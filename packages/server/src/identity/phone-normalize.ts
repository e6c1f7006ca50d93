/** Phone numbers to E.164 with libphonenumber-js; the core takes this as its phone normaliser. */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { CountryCode } from 'libphonenumber-js';

/** A normaliser for one default region (numbers without a country code are read in that region). */
export function createPhoneNormalizer(defaultRegion: string): (raw: string) => string | undefined {
  return (raw) => {
    const parsed = parsePhoneNumberFromString(raw.trim(), defaultRegion.toUpperCase() as CountryCode);
    return parsed && parsed.isPossible() ? parsed.number : undefined;
  };
}

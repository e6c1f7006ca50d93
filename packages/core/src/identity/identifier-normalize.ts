/**
 * Identifier normalisation: one canonical string per real-world identifier, so `Ann@Example.com ` and
 * `ann@example.com` meet in the graph. Phone parsing is injected (the server supplies libphonenumber-js)
 * because core has no dependencies.
 */

/** Where a value was seen, when that changes its reading: the region of a national phone number. */
export interface NormalizeContext {
  /** ISO 3166 alpha-2 region for phone numbers without a country code (e.g. the source's region). */
  phoneRegion?: string;
}

/** Normalises a raw identifier value of a type; `undefined` when it is not a usable identifier. */
export type IdentifierNormalizer = (type: string, raw: unknown, context?: NormalizeContext) => string | undefined;

/** Options of `createIdentifierNormalizer`. */
export interface IdentifierNormalizerOptions {
  /**
   * Turns a raw phone number into E.164, or `undefined` when it is not a valid number; `region` (when
   * given) replaces the default region for numbers without a country code.
   */
  normalizePhone: (raw: string, region?: string) => string | undefined;
}

/** Types whose values are social-network handles: case-insensitive, with an optional leading `@`. */
export const SOCIAL_HANDLE_TYPES: readonly string[] = [
  'twitter',
  'instagram',
  'tiktok',
  'facebook',
  'linkedin',
  'x',
  'threads',
  'snapchat',
  'pinterest',
  'youtube',
];

const TYPE_PATTERN = /^[a-z0-9_.-]{1,64}$/;
const EMAIL_PATTERN = /^[^@\s]+@[^@\s]+$/;
const NON_ASCII = /[\u0080-\uffff]/;

/** Lower-cases and trims an identifier type; `undefined` unless it matches `/^[a-z0-9_.-]{1,64}$/`. */
export function normalizeIdentifierType(raw: string): string | undefined {
  const type = raw.trim().toLowerCase();
  return TYPE_PATTERN.test(type) ? type : undefined;
}

/** Builds the normaliser for all identifier types. */
export function createIdentifierNormalizer(options: IdentifierNormalizerOptions): IdentifierNormalizer {
  const social = new Set(SOCIAL_HANDLE_TYPES);
  return (rawType, raw, context) => {
    if (typeof rawType !== 'string') return undefined;
    const type = normalizeIdentifierType(rawType);
    if (type === undefined) return undefined;
    let text: string;
    if (typeof raw === 'string') text = raw.trim();
    else if (typeof raw === 'number' && Number.isFinite(raw)) text = String(raw);
    else return undefined;
    if (text === '') return undefined;

    if (type === 'email') {
      // Why NFKC: the NFC and NFD spellings of `zoë@…` are one address, and a fullwidth `＠` or `ａ` (typed
      // with an East Asian input method) is the ASCII character; the ASCII check spares the common case.
      const email = (NON_ASCII.test(text) ? text.normalize('NFKC').trim() : text).toLowerCase();
      return EMAIL_PATTERN.test(email) ? email : undefined;
    }
    if (type === 'phone') {
      const phone = options.normalizePhone(NON_ASCII.test(text) ? text.normalize('NFKC') : text, context?.phoneRegion);
      return phone === undefined || phone.trim() === '' ? undefined : phone;
    }
    if (social.has(type)) {
      const handle = (NON_ASCII.test(text) ? text.normalize('NFKC') : text).replace(/^@+/, '').toLowerCase();
      return handle === '' || /\s/.test(handle) ? undefined : handle;
    }
    return text;
  };
}

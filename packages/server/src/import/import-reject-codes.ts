/**
 * Why an import row (or one of its values) was not imported: stable codes, listed in docs/errors.md
 * ("Import rejects"), written to the rejects file and answered by `POST /v1/imports`.
 */

/** Every import reject code. */
export const IMPORT_REJECT_CODES = [
  'record_too_large',
  'unclosed_quote',
  'invalid_quote',
  'too_many_fields',
  'invalid_text',
  'not_json',
  'not_an_object',
  'empty_row',
  'no_values',
  'event_too_large',
  'invalid_email',
  'invalid_phone',
  'invalid_identifier',
] as const;

/** One import reject code. */
export type ImportRejectCode = (typeof IMPORT_REJECT_CODES)[number];

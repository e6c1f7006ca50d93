/**
 * The one error catalog: stable machine codes, one HTTP status each (an exhaustive switch), one body shape
 * `{ "error": { "code", "message", "field"?, "requestId"? } }`. docs/errors.md lists every code; a test
 * fails when one is missing there.
 */
import type { ApiErrorBody } from '@kin/core/api/index.ts';

/** Every error code the HTTP API can answer with. */
export const ERROR_CODES = [
  'invalid_json',
  'invalid_event',
  'invalid_batch',
  'missing_identity',
  'event_too_large',
  'invalid_text',
  'invalid_utf8',
  'nesting_too_deep',
  'timestamp_out_of_range',
  'reserved_message_id',
  'unsafe_integer',
  'payload_too_large',
  'batch_too_large',
  'unsupported_encoding',
  'invalid_query',
  'invalid_ref',
  'invalid_import',
  'invalid_decision',
  'invalid_definition',
  'invalid_source',
  'invalid_journey',
  'invalid_policy',
  'invalid_destination',
  'invalid_privacy_request',
  'invalid_link',
  'unauthorized',
  'invalid_token',
  'expired_token',
  'insufficient_scope',
  'invalid_token_request',
  'not_found',
  'conflict',
  'method_not_allowed',
  'service_unavailable',
  'overloaded',
  'query_timeout',
  'rate_limited',
  'internal_error',
] as const;

/** A stable machine code. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The HTTP status of a code. */
export function statusOf(code: ErrorCode): 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 429 | 500 | 501 | 503 {
  switch (code) {
    case 'invalid_json':
    case 'invalid_event':
    case 'invalid_batch':
    case 'missing_identity':
    case 'invalid_text':
    case 'invalid_utf8':
    case 'nesting_too_deep':
    case 'timestamp_out_of_range':
    case 'reserved_message_id':
    case 'unsafe_integer':
    case 'batch_too_large':
    case 'invalid_query':
    case 'invalid_ref':
    case 'invalid_import':
    case 'invalid_decision':
    case 'invalid_definition':
    case 'invalid_source':
    case 'invalid_journey':
    case 'invalid_policy':
    case 'invalid_destination':
    case 'invalid_privacy_request':
    case 'invalid_token_request':
    case 'invalid_link':
      return 400;
    case 'unauthorized':
    case 'invalid_token':
    case 'expired_token':
      return 401;
    case 'insufficient_scope':
      return 403;
    case 'not_found':
      return 404;
    case 'method_not_allowed':
      return 405;
    case 'conflict':
      return 409;
    case 'event_too_large':
    case 'payload_too_large':
      return 413;
    case 'unsupported_encoding':
      return 415;
    case 'rate_limited':
      return 429;
    case 'internal_error':
      return 500;
    case 'service_unavailable':
    case 'overloaded':
    case 'query_timeout':
      return 503;
  }
}

/** The body of every error answer. */
export type ErrorBody = ApiErrorBody<ErrorCode>;

/** An expected HTTP failure, thrown by handlers and turned into an error answer by the error handler. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The answer's body. */
  body(requestId?: string): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.field !== undefined ? { field: this.field } : {}),
        ...(requestId ? { requestId } : {}),
      },
    };
  }
}

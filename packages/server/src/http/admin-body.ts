/**
 * One idiom for admin request bodies: a zod schema per route, parsed once at the edge into the type the
 * handler uses. A bad body is a 400 with the route's error code and the first bad field named as the
 * error catalog's `field` (`name`, `externalIds[0]`, `subject.ref`); a body that is not an object is
 * `invalid_json`. Why one module: the older routes checked their bodies with casts and each newer one had a
 * copy of this parser.
 */
import type { z } from 'zod';
import { formatFieldPath } from '@kin/core';
import type { ErrorCode } from './error-catalog.ts';
import { ApiError } from './error-catalog.ts';
import { ignoreInvalidJson, readAdminJson } from './request-body.ts';

/** The code of a field's error: one per route, or chosen by the field (a route with two codes). */
export type BodyErrorCode = ErrorCode | ((field: string) => ErrorCode);

/** Options of `readAdminBody`. */
export interface ReadAdminBodyOptions<T> {
  request: Request;
  /** Over this many bytes: 413 `payload_too_large`. */
  maxBytes: number;
  schema: z.ZodType<T>;
  code: BodyErrorCode;
  /**
   * `field`: a body that is not JSON counts as empty, so the answer names the first missing field (the routes
   * that always did so); `invalid_json` (default): 400 `invalid_json`.
   */
  malformed?: 'field' | 'invalid_json';
}

/** Reads and parses an admin body (an empty body is `{}`), or throws the 400 naming the first bad field. */
export async function readAdminBody<T>(options: ReadAdminBodyOptions<T>): Promise<T> {
  const read = readAdminJson(options.request, options.maxBytes);
  const body = await (options.malformed === 'field' ? read.catch(ignoreInvalidJson) : read);
  return parseAdminBody(options.schema, body === undefined ? {} : body, options.code);
}

/** Parses `body` with `schema`, or throws `ApiError` with `code` naming the first bad field. */
export function parseAdminBody<T>(schema: z.ZodType<T>, body: unknown, code: BodyErrorCode): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = [...(issue?.path ?? []), ...(issue?.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : [])];
  const field = formatFieldPath(path);
  if (!field) throw new ApiError('invalid_json', 'the body is a JSON object');
  throw new ApiError(typeof code === 'function' ? code(field) : code, issue?.message ?? 'invalid', field);
}

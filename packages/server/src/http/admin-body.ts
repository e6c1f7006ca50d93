/**
 * One idiom for admin request bodies: a zod schema per route, parsed once at the edge into the type the
 * handler uses. A bad body is a 400 with the route's error code and the first bad field named as the
 * error catalog's `field` (`name`, `externalIds[0]`, `subject.ref`); a body that is not an object is
 * `invalid_json`. Why one module: the older routes checked their bodies with casts and each newer one had a
 * copy of this parser (messaging and analytics had their own, answering in other words).
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
  return parseAdminBody(options.schema, body, options.code);
}

/**
 * A body's parsed value, or its first problem: `field` is its path, empty when the body is not an object, and
 * `message` says what is wrong with it (without the field).
 */
export type AdminBodyCheck<T> = { ok: true; value: T } | { ok: false; field: string; message: string };

/**
 * Parses `body` with `schema` (an absent body is `{}`) into a value, or names the first bad field by its path
 * (`steps[0].where[1].path`, an unknown key included). For checks shared with the CLI (token requests);
 * routes use `parseAdminBody`.
 */
export function checkAdminBody<T>(schema: z.ZodType<T>, body: unknown): AdminBodyCheck<T> {
  const parsed = schema.safeParse(body === undefined ? {} : body);
  if (parsed.success) return { ok: true, value: parsed.data };
  const first = parsed.error.issues[0] as Issue | undefined;
  const issue = first ? closestIssue(first) : { path: [], message: 'invalid' };
  const field = formatFieldPath(issue.path);
  if (!field) return { ok: false, field, message: 'the body is a JSON object' };
  return { ok: false, field, message: issue.message };
}

/** A problem as zod gives it, with the nested problems of unions and record keys. */
interface Issue {
  path: PropertyKey[];
  message: string;
  code?: string;
  keys?: string[];
  errors?: Issue[][];
  issues?: Issue[];
}

/**
 * The problem that names the bad field best, with its full path. Why: a journey step is a union (wait, send or
 * branch), and zod reports a bad send as "no branch matched" at `steps[0]`; the branch with the fewest problems,
 * then the deepest, is the one the body meant (a send with a bad `content` name fails once at
 * `send.content.x`, the others twice at their root). When no branch is closer than the others, the union's own
 * field is. An unknown key is named itself.
 */
function closestIssue(issue: Issue, base: PropertyKey[] = []): { path: PropertyKey[]; message: string } {
  const path = [...base, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors?.length) {
    const closer = (a: Issue[], b: Issue[]) =>
      a.length < b.length || (a.length === b.length && (a[0]?.path.length ?? 0) > (b[0]?.path.length ?? 0));
    const best = issue.errors.find((b) => b[0] !== undefined && issue.errors!.every((o) => o === b || o.length === 0 || closer(b, o)));
    if (best?.[0]) return closestIssue(best[0], path);
    return { path, message: 'matches none of the allowed shapes' };
  }
  if (issue.code === 'unrecognized_keys' && issue.keys?.length) return { path: [...path, issue.keys[0]!], message: issue.message };
  return { path, message: issue.issues?.[0]?.message ?? issue.message };
}

/**
 * Parses `body` with `schema` as `checkAdminBody` does, or throws the 400: `code` with the bad field as `field`
 * and again at the start of the message (which the dashboard and the CLI show alone), or `invalid_json` for a
 * body that is not an object. Every admin route's body goes through here (analytics and messaging included).
 */
export function parseAdminBody<T>(schema: z.ZodType<T>, body: unknown, code: BodyErrorCode): T {
  const checked = checkAdminBody(schema, body);
  if (checked.ok) return checked.value;
  if (!checked.field) throw new ApiError('invalid_json', checked.message);
  const field = checked.field;
  // A schema's own message may name its field already ("linkThreshold is a probability…").
  const message = checked.message.startsWith(field) ? checked.message : `${field}: ${checked.message}`;
  throw new ApiError(typeof code === 'function' ? code(field) : code, message, field);
}

/** The body of every error answer (4xx, 5xx): `{ "error": { "code", "message", "field"?, "requestId"? } }`. Type-only. */

/** An error answer; `C` is the server's catalog of codes (docs/errors.md), any string to a client. */
export interface ApiErrorBody<C extends string = string> {
  error: { code: C; message: string; field?: string; requestId?: string };
}

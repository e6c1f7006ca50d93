/**
 * Reads the batch envelope of `/v1/batch` and `/v1/import`. Envelope-level `context`, `integrations`
 * and `sentAt` are distributed onto the items here, so the event validator only ever sees single items.
 */
import type { JsonObject } from './event-types.ts';
import { deepMerge, isPlainObject } from './json-object.ts';
import { DEFAULT_MAX_JSON_DEPTH } from './json-scan.ts';

/** Most items one batch may hold (the server enforces it, the SDKs split below it). */
export const MAX_BATCH_ITEMS = 2500;

/** The items of a batch, or why the envelope itself is unusable. */
export type BatchRead = { ok: true; items: unknown[] } | { ok: false; code: 'invalid_batch'; field: string; message: string };

/**
 * Splits a batch envelope into items. The item wins over the envelope in a deep merge of `context` and
 * `integrations`; the envelope's `sentAt` applies to items without one. Non-object items pass through
 * unchanged so the validator can reject each one with its own field.
 */
export function readBatch(body: unknown, maxDepth = DEFAULT_MAX_JSON_DEPTH): BatchRead {
  if (!isPlainObject(body)) return invalid('', 'batch body must be a JSON object');
  const batch = body['batch'];
  if (!Array.isArray(batch)) return invalid('batch', 'batch must be an array');
  const context = optionalObject(body['context']);
  if (context === false) return invalid('context', 'context must be an object');
  const integrations = optionalObject(body['integrations']);
  if (integrations === false) return invalid('integrations', 'integrations must be an object');
  const sentAt = body['sentAt'];

  const items = batch.map((item: unknown) => {
    if (!isPlainObject(item)) return item;
    let merged: JsonObject = item;
    if (context) merged = withMerged(merged, 'context', context, maxDepth);
    if (integrations) merged = withMerged(merged, 'integrations', integrations, maxDepth);
    if (sentAt !== undefined && sentAt !== null && (merged['sentAt'] === undefined || merged['sentAt'] === null)) {
      merged = { ...merged, sentAt };
    }
    return merged;
  });
  return { ok: true, items };
}

function withMerged(item: JsonObject, field: string, envelope: JsonObject, maxDepth: number): JsonObject {
  const own = item[field];
  // A non-object item value is left for the validator to reject by name.
  if (own !== undefined && own !== null && !isPlainObject(own)) return item;
  return { ...item, [field]: isPlainObject(own) ? deepMerge(envelope, own, maxDepth) : envelope };
}

/** `undefined` when absent, the object when valid, `false` when present but not an object. */
function optionalObject(value: unknown): JsonObject | undefined | false {
  if (value === undefined || value === null) return undefined;
  return isPlainObject(value) ? value : false;
}

function invalid(field: string, message: string): BatchRead {
  return { ok: false, code: 'invalid_batch', field, message };
}

/**
 * Poison items that no store can keep, with the rejection the edge must answer for each; shared by the
 * embedded tests and the collect-mode (NATS) test, which must answer identically.
 */

/** One poison item and its expected per-item rejection (`field` without the `batch[i].` prefix). */
export interface EdgeCase {
  label: string;
  item: (id: string) => Record<string, unknown>;
  code: string;
  field: string;
}

const nested = (levels: number): unknown => {
  let value: unknown = { leaf: true };
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
};

/** The poison cases (ids derived from `id` so runs do not collide). */
export const EDGE_CASES: readonly EdgeCase[] = [
  {
    label: 'NUL in a trait key',
    item: (id) => ({ type: 'identify', userId: id, traits: { 'a\u0000b': 1 } }),
    code: 'invalid_text',
    field: 'traits["a\\u0000b"]',
  },
  { label: 'NUL in userId', item: (id) => ({ type: 'identify', userId: `${id}\u0000x` }), code: 'invalid_text', field: 'userId' },
  {
    label: 'lone surrogate',
    item: (id) => ({ type: 'track', event: 'e', anonymousId: id, properties: { name: 'a\ud800' } }),
    code: 'invalid_text',
    field: 'properties.name',
  },
  {
    label: 'timestamp -8.64e15',
    item: (id) => ({ type: 'track', event: 'e', userId: id, timestamp: -8.64e15 }),
    code: 'timestamp_out_of_range',
    field: 'timestamp',
  },
  {
    label: 'year 1000 with sentAt 8.64e15',
    item: (id) => ({ type: 'track', event: 'e', userId: id, originalTimestamp: '1000-01-01T00:00:00Z', sentAt: 8.64e15 }),
    code: 'timestamp_out_of_range',
    field: 'originalTimestamp',
  },
  {
    label: 'reserved messageId',
    item: (id) => ({ type: 'track', event: 'e', userId: id, messageId: `import:${id}` }),
    code: 'reserved_message_id',
    field: 'messageId',
  },
  { label: 'userId above 2^53', item: () => ({ type: 'identify', userId: 2 ** 53 + 2 }), code: 'unsafe_integer', field: 'userId' },
  {
    label: '100-level context',
    item: (id) => ({ type: 'track', event: 'e', userId: id, context: nested(100) }),
    code: 'nesting_too_deep',
    field: 'context',
  },
];

/** A batch alternating good and poison items: good at even indices, case `i` at index `2i + 1`. */
export function edgeBatchBody(prefix: string): { batch: Array<Record<string, unknown>> } {
  const good = (i: number) => ({ type: 'track', event: 'Viewed', userId: `${prefix}-good-${i}`, messageId: `${prefix}-good-${i}` });
  const batch: Array<Record<string, unknown>> = [];
  EDGE_CASES.forEach((c, i) => batch.push(good(i), c.item(`${prefix}-bad-${i}`)));
  batch.push(good(EDGE_CASES.length));
  return { batch };
}

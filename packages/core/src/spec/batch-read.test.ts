import { describe, expect, it } from 'vitest';
import { readBatch } from './batch-read.ts';
import { validateEvent } from './event-validate.ts';

describe('readBatch', () => {
  it('distributes envelope context, integrations and sentAt; the item wins', () => {
    const result = readBatch({
      batch: [
        { type: 'track', context: { ip: '1.1.1.1', library: { version: '2' } }, integrations: { A: false } },
        { type: 'track', sentAt: '2024-01-01T00:00:00Z' },
      ],
      context: { ip: '9.9.9.9', library: { name: 'lib', version: '1' } },
      integrations: { All: true, A: true },
      sentAt: '2024-05-14T00:00:00Z',
      writeKey: 'k',
    });
    expect(result).toEqual({
      ok: true,
      items: [
        {
          type: 'track',
          context: { ip: '1.1.1.1', library: { name: 'lib', version: '2' } },
          integrations: { All: true, A: false },
          sentAt: '2024-05-14T00:00:00Z',
        },
        {
          type: 'track',
          context: { ip: '9.9.9.9', library: { name: 'lib', version: '1' } },
          integrations: { All: true, A: true },
          sentAt: '2024-01-01T00:00:00Z',
        },
      ],
    });
  });

  it('accepts an empty batch', () => {
    expect(readBatch({ batch: [] })).toEqual({ ok: true, items: [] });
  });

  it('passes non-object items and non-object item contexts through for the validator', () => {
    const result = readBatch({ batch: [1, { context: 'x' }], context: { a: 1 } });
    expect(result).toEqual({ ok: true, items: [1, { context: 'x' }] });
  });

  it.each([
    ['a non-object body', [], ''],
    ['a missing batch', {}, 'batch'],
    ['a non-array batch', { batch: {} }, 'batch'],
    ['a non-object context', { batch: [], context: [] }, 'context'],
    ['a non-object integrations', { batch: [], integrations: 'x' }, 'integrations'],
  ])('rejects %s', (_label, body, field) => {
    expect(readBatch(body)).toMatchObject({ ok: false, code: 'invalid_batch', field });
  });

  it('does not let a __proto__ key change the prototype', () => {
    const body: unknown = JSON.parse('{"batch":[{"context":{"__proto__":{"polluted":true}}}],"context":{"a":1}}');
    const result = readBatch(body);
    const context = result.ok ? (result.items[0] as { context: object }).context : undefined;
    expect(Object.getPrototypeOf(context)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('merges a 40,000-level envelope context into a 40,000-level item context without recursing that deep', () => {
    const deep = (levels: number, leaf: string): string => '{"a":'.repeat(levels) + `{"${leaf}":1}` + '}'.repeat(levels);
    const body: unknown = JSON.parse(
      `{"context":${deep(40_000, 'x')},"batch":[{"type":"track","context":${deep(40_000, 'y')}},{"type":"track"}]}`,
    );
    const result = readBatch(body);
    expect(result.ok).toBe(true);
    // The merged item is left as deep as the input: the validator rejects it per item (nesting_too_deep).
    const receivedAt = new Date('2024-05-14T00:00:00Z');
    const items = result.ok ? result.items : [];
    const codes = items.map((item) =>
      validateEvent({ ...(item as object), userId: 'u', event: 'e' }, { receivedAt, newMessageId: () => 'm' }),
    );
    expect(codes.map((c) => (c.ok ? 'ok' : c.code))).toEqual(['nesting_too_deep', 'nesting_too_deep']);
  });

  it('merges objects shallower than the depth limit completely', () => {
    const result = readBatch({ context: { a: { b: { c: 1 } } }, batch: [{ context: { a: { b: { d: 2 } } } }] });
    expect(result.ok && result.items[0]).toEqual({ context: { a: { b: { c: 1, d: 2 } } } });
  });
});

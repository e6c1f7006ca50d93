import { describe, expect, it } from 'vitest';
import { COLLAPSE_AT, layoutGraph, shorten, typeRank } from './graph-layout.ts';

const node = (id: string, type: string, firstSeen: string, refused = false) => ({
  id,
  type,
  value: id.slice(id.indexOf(':') + 1),
  firstSeen,
  ...(refused ? { refused } : {}),
});

describe('layoutGraph', () => {
  const nodes = [
    node('anonymous_id:a1', 'anonymous_id', '2026-01-01T00:00:00Z'),
    node('user_id:u1', 'user_id', '2026-01-02T00:00:00Z'),
    node('email:e', 'email', '2026-01-03T00:00:00Z'),
    node('ios.id:d', 'ios.id', '2026-01-04T00:00:00Z'),
    node('refused:anonymous_id:t', 'anonymous_id', '2026-01-05T00:00:00Z', true),
  ];
  const edges = [
    { from: 'user_id:u1', to: 'email:e', kind: 'event' },
    { from: 'user_id:u1', to: 'anonymous_id:a1', kind: 'merge' },
    { from: 'email:e', to: 'refused:anonymous_id:t', kind: 'refused' },
    { from: 'user_id:u1', to: 'missing', kind: 'event' },
  ];

  it('is deterministic, whatever the input order', () => {
    const a = layoutGraph(nodes, edges, { labelChars: 20 });
    const b = layoutGraph([...nodes].reverse(), edges, { labelChars: 20 });
    expect(b.items.map((n) => [n.key, n.x, n.y, n.lx, n.ly, n.rotate])).toEqual(
      a.items.map((n) => [n.key, n.x, n.y, n.lx, n.ly, n.rotate]),
    );
  });

  it('puts person identifiers first and every node and its whole label inside the box', () => {
    const layout = layoutGraph(nodes, edges, { labelChars: 20 });
    expect(layout.items.map((n) => n.key)).toEqual(['user_id:u1', 'email:e', 'ios.id:d', 'anonymous_id:a1', 'refused:anonymous_id:t']);
    const c = layout.size / 2;
    for (const n of layout.items) {
      // The label's far end: its anchor point plus the label's length, outward.
      const r = Math.hypot(n.lx - c, n.ly - c) + n.label.length * 6.8;
      expect(r).toBeLessThanOrEqual(c);
    }
    expect(layout.edges).toHaveLength(3);
  });

  it('keeps every edge inside the circle and every label outside it, so no edge crosses a label', () => {
    const layout = layoutGraph(nodes, edges, { labelChars: 20 });
    const c = layout.size / 2;
    for (const e of layout.edges) {
      for (const t of [0, 0.25, 0.5, 0.75, 1]) {
        const x = e.x1 + (e.x2 - e.x1) * t;
        const y = e.y1 + (e.y2 - e.y1) * t;
        expect(Math.hypot(x - c, y - c)).toBeLessThanOrEqual(layout.radius + 0.5);
      }
    }
    for (const n of layout.items) expect(Math.hypot(n.lx - c, n.ly - c)).toBeGreaterThan(layout.radius);
  });

  it(`collapses big types past ${COLLAPSE_AT} identifiers into "+N more", edges included, and expands on request`, () => {
    const many = [
      node('user_id:u1', 'user_id', '2026-01-01T00:00:00Z'),
      ...Array.from({ length: 40 }, (_, i) =>
        node(`anonymous_id:a${String(i).padStart(2, '0')}`, 'anonymous_id', `2026-01-02T00:00:${String(i).padStart(2, '0')}Z`),
      ),
    ];
    const manyEdges = many.slice(1).map((n) => ({ from: 'user_id:u1', to: n.id, kind: 'event' }));
    const collapsed = layoutGraph(many, manyEdges, { labelChars: 14 });
    const group = collapsed.items.find((i) => i.kind === 'group');
    expect(group).toMatchObject({ key: 'more:anonymous_id', label: '+35 more anonymous_id' });
    expect(collapsed.items).toHaveLength(1 + 5 + 1);
    expect(collapsed.edges).toHaveLength(6);
    const expanded = layoutGraph(many, manyEdges, { labelChars: 14, expanded: new Set(['anonymous_id']) });
    expect(expanded.items).toHaveLength(41);
    expect(expanded.edges).toHaveLength(40);
  });

  it('ranks types: person ids, then others, devices, anonymous ids', () => {
    expect(['anonymous_id', 'ios.id', 'twitter', 'email', 'user_id'].sort((a, b) => typeRank(a) - typeRank(b))).toEqual([
      'user_id',
      'email',
      'twitter',
      'ios.id',
      'anonymous_id',
    ]);
  });

  it('shortens long values in the middle', () => {
    expect(shorten('0123456789abcdef', 9)).toBe('0123…cdef');
    expect(shorten('short', 9)).toBe('short');
  });
});

import { describe, expect, it } from 'vitest';
import { layoutGraph, typeRank } from './graph-layout.ts';

const node = (id: string, type: string, firstSeen: string, refused = false) => ({ id, type, firstSeen, ...(refused ? { refused } : {}) });

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
    const a = layoutGraph(nodes, edges, { size: 400 });
    const b = layoutGraph([...nodes].reverse(), edges, { size: 400 });
    expect(b.nodes.map((n) => [n.node.id, n.x, n.y])).toEqual(a.nodes.map((n) => [n.node.id, n.x, n.y]));
  });

  it('puts person identifiers first, keeps every node inside the box and refused ones on the outer ring', () => {
    const layout = layoutGraph(nodes, edges, { size: 400 });
    expect(layout.nodes.map((n) => n.node.id)).toEqual(['user_id:u1', 'email:e', 'ios.id:d', 'anonymous_id:a1', 'refused:anonymous_id:t']);
    for (const n of layout.nodes) expect(n.x >= 0 && n.x <= 400 && n.y >= 0 && n.y <= 400).toBe(true);
    const distance = (id: string) => {
      const p = layout.nodes.find((n) => n.node.id === id);
      return p ? Math.hypot(p.x - 200, p.y - 200) : NaN;
    };
    expect(distance('refused:anonymous_id:t')).toBeGreaterThan(distance('email:e'));
    expect(layout.edges).toHaveLength(3);
  });

  it('caps the number of nodes and reports the hidden ones', () => {
    const many = Array.from({ length: 60 }, (_, i) => node(`anonymous_id:${i}`, 'anonymous_id', `2026-01-01T00:00:${String(i).padStart(2, '0')}Z`));
    const layout = layoutGraph(many, [], { maxNodes: 40 });
    expect(layout.nodes).toHaveLength(40);
    expect(layout.hidden).toBe(20);
  });

  it('ranks types', () => {
    expect(typeRank('user_id')).toBeLessThan(typeRank('twitter'));
    expect(typeRank('twitter')).toBeLessThan(typeRank('android.id'));
    expect(typeRank('android.id')).toBeLessThan(typeRank('anonymous_id'));
  });
});

import { describe, expect, it } from 'vitest';
import type { PathSpec } from './paths-compute.ts';
import { pathDiagram, unitPaths } from './paths-compute.ts';
import { ev } from './analytics-fixture.ts';

const spec = (over: Partial<PathSpec> = {}): PathSpec => ({
  node: 'event',
  steps: 4,
  acrossSessions: true,
  exclude: new Set(),
  fromMs: 0,
  toMs: 1e12,
  maxEdges: 50,
  ...over,
});
const labels = (s: PathSpec, names: Array<[string, number]>) =>
  unitPaths(
    s,
    names.map(([n, m]) => ev(n, m)),
  ).map((p) => p.map((v) => v.label));

describe('unitPaths', () => {
  it('collapses repeats, cuts at steps and honours start and end', () => {
    const events: Array<[string, number]> = [
      ['A', 1],
      ['A', 2],
      ['B', 3],
      ['C', 4],
      ['D', 5],
      ['E', 6],
    ];
    expect(labels(spec(), events)).toEqual([['A', 'B', 'C', 'D']]);
    expect(labels(spec({ start: 'B' }), events)).toEqual([['B', 'C', 'D', 'E']]);
    expect(labels(spec({ end: 'E', steps: 2 }), events)).toEqual([['D', 'E']]);
    expect(labels(spec({ start: 'B', end: 'C' }), events)).toEqual([['B', 'C']]);
    expect(labels(spec({ start: 'Z' }), events)).toEqual([]);
  });

  it('splits sessions after 30 minutes when paths do not cross sessions; excludes names', () => {
    const events: Array<[string, number]> = [
      ['A', 0],
      ['B', 10],
      ['C', 50],
      ['D', 51],
    ];
    expect(labels(spec({ acrossSessions: false }), events)).toEqual([
      ['A', 'B'],
      ['C', 'D'],
    ]);
    expect(labels(spec({ exclude: new Set(['B']) }), events)).toEqual([['A', 'C', 'D']]);
  });

  it('channel_event and page_path nodes', () => {
    const page = ev('page', 1, { channel: 'web', context: { page: { path: '/sale' } } });
    const click = ev('Email Link Clicked', 0, { channel: 'email' });
    expect(unitPaths(spec({ node: 'channel_event' }), [click, page]).map((p) => p.map((v) => v.label))).toEqual([
      ['email: Email Link Clicked', 'web: page'],
    ]);
    expect(unitPaths(spec({ node: 'page_path' }), [click, page]).map((p) => p.map((v) => v.label))).toEqual([['/sale']]);
  });
});

describe('pathDiagram', () => {
  it('nodes per step, edges with median gaps, drop-offs and top paths', () => {
    const s = spec({ steps: 3 });
    const paths = [
      ...unitPaths(s, [ev('A', 0), ev('B', 1)]),
      ...unitPaths(s, [ev('A', 0), ev('B', 3), ev('C', 4)]),
      ...unitPaths(s, [ev('A', 0), ev('C', 1)]),
    ];
    const d = pathDiagram(s, paths);
    expect(d.nodes.map((n) => [n.id, n.count])).toEqual([
      ['0:A', 3],
      ['1:B', 2],
      ['1:C', 1],
      ['2:C', 1],
    ]);
    expect(d.edges[0]).toEqual({ from: '0:A', to: '1:B', count: 2, medianGapSeconds: 120 });
    expect(d.dropOffs).toEqual([
      { node: '1:B', count: 1 },
      { node: '1:C', count: 1 },
    ]);
    expect(d.topPaths[0]).toEqual({ path: ['A', 'B'], count: 1 });
    expect(pathDiagram({ ...s, maxEdges: 1 }, paths).edges).toHaveLength(1);
  });
});

import { generateCustomers, detectColumnRoles, matchRecords, type MatchRecord } from './packages/core/src/matching/index.ts';
const set = generateCustomers({ entities: 1000, seed: 20 });
const records: MatchRecord[] = set.rows.map((row, i) => ({ key: `r${String(i).padStart(9, '0')}`, source: set.source[i] ?? '', values: Object.fromEntries(set.headers.map((h, c) => [h, row[c] ?? ''])) }));
const r = matchRecords({ records, roles: detectColumnRoles(set.headers) });
const idx = new Map(records.map((x, i) => [x.key, i]));
let good = 0, bad = 0, shown = 0;
for (const c of r.clusters) {
  const steps = r.explainCluster(c[0]!);
  for (const s of steps) {
    if (s.via !== 'entity') continue;
    const ents = new Set(c.map((k) => set.entity[idx.get(k)!]));
    if (ents.size === 1) { good++; continue; }
    bad++;
    if (shown++ < 6) {
      console.log('--- entity merge', s.a, s.b, s.weight.toFixed(1));
      for (const k of c) console.log('   ', set.entity[idx.get(k)!], set.rows[idx.get(k)!]!.join('|'));
    }
  }
}
console.log('entity merges in pure clusters', good, 'in mixed', bad);

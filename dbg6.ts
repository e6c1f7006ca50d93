import { generateCustomers, detectColumnRoles, type MatchRecord } from './packages/core/src/matching/index.ts';
import { evaluateRecords } from './packages/server/src/matching/match-evaluate.ts';
for (const [ents, seed] of [[70, 19], [1000, 20]] as const) {
  const set = generateCustomers({ entities: ents, seed });
  const records: MatchRecord[] = set.rows.map((row, i) => ({ key: `r${String(i).padStart(9, '0')}`, source: set.source[i] ?? '', values: Object.fromEntries(set.headers.map((h, c) => [h, row[c] ?? ''])) }));
  for (const entityLinking of [false, true]) {
    const r = evaluateRecords({ records, truth: set.entity.map(String), truthColumn: 'e', headers: set.headers, engine: { entityLinking } });
    console.log(ents, 'entity', entityLinking, r.pairwise.f1.toFixed(4), r.pairwise.precision.toFixed(4), r.pairwise.recall.toFixed(4), 'largest', r.largestCluster);
  }
}

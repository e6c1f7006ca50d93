import { generateCustomers, detectColumnRoles, matchRecords, type MatchRecord } from './packages/core/src/matching/index.ts';
const ents = Number(process.argv[2] ?? 70);
const mode = process.argv[3] ?? 'fn';
const set = generateCustomers({ entities: ents, seed: ents === 70 ? 19 : 20 });
const records: MatchRecord[] = set.rows.map((row, i) => ({ key: `r${String(i).padStart(9, '0')}`, source: set.source[i] ?? '', values: Object.fromEntries(set.headers.map((h, c) => [h, row[c] ?? ''])) }));
const r = matchRecords({ records, roles: detectColumnRoles(set.headers) });
console.log('lambda', r.model.lambda, Math.log2(r.model.lambda / (1 - r.model.lambda)).toFixed(1));
const cl = new Map<string, number>(); r.clusters.forEach((c, k) => c.forEach((x) => cl.set(x, k)));
const same = (i: number, j: number) => cl.get(records[i]!.key) !== undefined && cl.get(records[i]!.key) === cl.get(records[j]!.key);
let shown = 0;
for (let i = 0; i < records.length && shown < 25; i++) for (let j = i + 1; j < records.length && shown < 25; j++) {
  const truth = set.entity[i] === set.entity[j];
  const pred = same(i, j);
  if (mode === 'fn' ? !(truth && !pred) : !(pred && !truth)) continue;
  const e = r.explain(records[i]!.key, records[j]!.key)!;
  shown++;
  console.log(set.rows[i]!.join('|'), '  ~  ', set.rows[j]!.join('|'), ' => ', e.weight.toFixed(1), e.evidence.filter((x) => x.level !== 'null').map((x) => `${x.field}:${x.level}:${x.weight.toFixed(1)}`).join(' '));
}

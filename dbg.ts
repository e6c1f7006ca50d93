import { generateCustomers, detectColumnRoles, matchRecords, type MatchRecord } from './packages/core/src/matching/index.ts';
const ents = Number(process.argv[2] ?? 70);
const set = generateCustomers({ entities: ents, seed: 19 });
const records: MatchRecord[] = set.rows.map((row, i) => ({ key: `r${String(i).padStart(9, '0')}`, source: set.source[i] ?? '', values: Object.fromEntries(set.headers.map((h, c) => [h, row[c] ?? ''])) }));
const roles = detectColumnRoles(set.headers);
console.log(JSON.stringify(roles));
const r = matchRecords({ records, roles });
console.log('lambda', r.model.lambda, 'training', r.model.trainingRules, 'rules', r.blocking.rules.join(' '));
for (const f of r.model.features) console.log(f.name, f.levels.map((l) => `${l.level}: m=${l.m.toFixed(3)} u=${l.u.toExponential(1)} w=${l.weight.toFixed(1)}`).join(' | '));
let shown = 0;
for (let i = 0; i < records.length && shown < 12; i++) for (let j = i + 1; j < records.length && shown < 12; j++) {
  if (set.entity[i] !== set.entity[j]) continue;
  const e = r.explain(records[i]!.key, records[j]!.key)!;
  shown++;
  console.log(set.rows[i]!.join('|'), '  ~  ', set.rows[j]!.join('|'), ' => ', e.weight.toFixed(1), e.evidence.filter((x) => x.level !== 'null').map((x) => `${x.field}:${x.level}:${x.weight.toFixed(1)}`).join(' '));
}

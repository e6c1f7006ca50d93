import { sharedDataPath } from './packages/server/src/matching/data-paths.ts';
import { evaluateFiles } from './packages/server/src/matching/match-evaluate.ts';
import { readCsvFile } from './packages/server/src/matching/csv-table.ts';
const file = process.argv[2] ?? 'febrl/dataset1.csv';
const r = await evaluateFiles({ files: [sharedDataPath(file)], ignoreColumns: ['soc_sec_id'] });
const t = await readCsvFile(sharedDataPath(file));
const keys = t.rows.map((_, i) => `r${String(i).padStart(9, '0')}`);
const cl = new Map<string, number>(); r.result.clusters.forEach((c, k) => c.forEach((x) => cl.set(x, k)));
const ent = t.rows.map((row) => (row[0] ?? '').replace(/-(org|dup-\d+)$/, ''));
let shown = 0;
for (let i = 0; i < keys.length && shown < 8; i++) for (let j = i + 1; j < keys.length && shown < 8; j++) {
  if (ent[i] !== ent[j]) continue;
  if (cl.get(keys[i]!) !== undefined && cl.get(keys[i]!) === cl.get(keys[j]!)) continue;
  const e = r.result.explain(keys[i]!, keys[j]!)!;
  shown++;
  console.log(t.rows[i]!.join('|'), '\n', t.rows[j]!.join('|'), ' => ', e.weight.toFixed(1), e.evidence.filter((x) => x.level !== 'null').map((x) => `${x.field}:${x.level}:${x.weight.toFixed(1)}`).join(' '));
}

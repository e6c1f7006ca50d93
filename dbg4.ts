import { generateCustomers, detectColumnRoles, matchRecords, type MatchRecord } from './packages/core/src/matching/index.ts';
const ents = Number(process.argv[2] ?? 70);
const set = generateCustomers({ entities: ents, seed: ents === 70 ? 19 : 20 });
const records: MatchRecord[] = set.rows.map((row, i) => ({ key: `r${String(i).padStart(9, '0')}`, source: set.source[i] ?? '', values: Object.fromEntries(set.headers.map((h, c) => [h, row[c] ?? ''])) }));
const r = matchRecords({ records, roles: detectColumnRoles(set.headers) });
const m = r.model;
console.log('lambda', m.lambda, Math.log2(m.lambda), 'share', m.lambdaDataShare, m.trainingRules.join(' '));
for (const f of m.features) console.log(' ', f.name, f.mDataShare.toFixed(2), f.uDataShare.toFixed(2), f.levels.map((l) => `${l.level}:${l.weight.toFixed(1)}`).join(' '));

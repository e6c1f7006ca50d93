import { sharedDataPath } from './packages/server/src/matching/data-paths.ts';
import { evaluateFiles } from './packages/server/src/matching/match-evaluate.ts';
const file = process.argv[2] ?? 'rldata/RLdata10000.csv';
for (const priors of [false, undefined] as const) {
  const r = await evaluateFiles({ files: [sharedDataPath(file)], engine: priors === false ? { priors: false } : {} });
  const m = r.result.model;
  console.log('priors', priors, 'F1', r.pairwise.f1.toFixed(4), 'lambda', m.lambda, 'share', m.lambdaDataShare, 'links', r.result.links.length);
  for (const f of m.features) console.log(' ', f.name, f.mDataShare.toFixed(2), f.uDataShare.toFixed(2), f.levels.map((l) => `${l.level}:${l.weight.toFixed(1)}`).join(' '));
}

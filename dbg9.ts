import { sharedDataPath } from './packages/server/src/matching/data-paths.ts';
import { evaluateFiles } from './packages/server/src/matching/match-evaluate.ts';
const file = process.argv[2] ?? 'dedupe-csv-example/csv_example_input_with_true_ids.csv';
for (const priors of [false, undefined] as const) for (const entityLinking of [false, true]) {
  const r = await evaluateFiles({ files: [sharedDataPath(file)], engine: { ...(priors === false ? { priors } : {}), entityLinking } });
  console.log('priors', priors, 'entity', entityLinking, r.pairwise.f1.toFixed(4), r.pairwise.precision.toFixed(4), r.pairwise.recall.toFixed(4), 'lambda', r.result.model.lambda.toExponential(2));
}

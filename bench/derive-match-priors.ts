/**
 * Derives Kin's shipped match priors (packages/core/src/matching/match-priors-data.ts) from the public
 * record-linkage sets in ../shared/data. Run once when comparison levels change:
 *
 *   node --import tsx bench/derive-match-priors.ts
 *
 * 1. Each public set is matched without priors (unsupervised, as `kin match eval` does) and its learnt
 *    m and u per level are read from the model.
 * 2. Per feature, m and u are averaged over the sets that have it (each set weighs the same), floored
 *    at 1e-4 and renormalised; identifier columns other than email and phone (account, provider and
 *    programme numbers) are averaged into one generic `identifier` prior.
 * 3. `pairsPerRecord` is the geometric mean over the sets of true pairs per record (the truth column is
 *    read here only, to count pairs; it never reaches the matcher).
 * 4. Levels no public set has (generational suffixes) get the hand-set priors below, documented as such.
 */
import { writeFileSync } from 'node:fs';
import type { FeaturePrior, MatchPriors } from '../packages/core/src/matching/index.ts';
import { sharedDataPath } from '../packages/server/src/matching/data-paths.ts';
import { evaluateFiles } from '../packages/server/src/matching/match-evaluate.ts';

const SETS = [
  { file: 'febrl/dataset1.csv', ignoreColumns: ['soc_sec_id'] },
  { file: 'febrl/dataset2.csv', ignoreColumns: ['soc_sec_id'] },
  { file: 'febrl/dataset3.csv', ignoreColumns: ['soc_sec_id'] },
  { file: 'splink/fake_1000.csv' },
  { file: 'rldata/RLdata10000.csv' },
  { file: 'dedupe-csv-example/csv_example_input_with_true_ids.csv' },
];

/**
 * Hand-set priors, for what the public sets do not show:
 * - generational suffixes (no public set has them): the same suffix on both sides is moderate evidence
 *   for, one side only weak evidence against;
 * - customer identifiers (account and customer numbers): the only identifiers in the public sets are the
 *   dedupe example's provider numbers, shared by every site of a provider, which say nothing about an
 *   account number; an account number is assumed kept by 90 % of matches and shared by almost no
 *   non-matches (u from the data replaces u as soon as there are pairs to count).
 */
const HAND_SET: Readonly<Record<string, FeaturePrior>> = {
  suffix: { levels: ['same', 'one-side-only', 'different'], m: [0.8, 0.199, 0.001], u: [0.03, 0.94, 0.03] },
};
const HAND_SET_IDENTIFIER: FeaturePrior = { levels: ['exact', 'one-edit', 'different'], m: [0.9, 0.02, 0.08], u: [0.0005, 0.001, 0.9985] };

/**
 * Hand-set m of single levels the public sets do not exercise (FEBRL, RLdata and fake_1000 carry no
 * nicknames or initials, so their learnt m there is noise): the share of matches assumed at that level,
 * taken from the other levels before renormalising. u stays as learnt.
 */
const HAND_SET_M: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  first_name: { nickname: 0.08, initial: 0.05 },
};

function normalised(values: readonly number[]): number[] {
  const floored = values.map((v) => Math.max(1e-4, v));
  const total = floored.reduce((a, b) => a + b, 0);
  return floored.map((v) => Number((v / total).toPrecision(4)));
}

const collected = new Map<string, { levels: readonly string[]; m: number[][]; u: number[][] }>();
const pairsPerRecord: number[] = [];
for (const set of SETS) {
  const report = await evaluateFiles({
    files: [sharedDataPath(set.file)],
    ...(set.ignoreColumns ? { ignoreColumns: set.ignoreColumns } : {}),
    engine: { priors: false },
  });
  const p = report.pairwise;
  pairsPerRecord.push((p.tp + p.fn) / report.records);
  for (const f of report.result.model.features) {
    const generic = ![
      'first_name',
      'last_name',
      'middle_name',
      'email',
      'phone',
      'fax',
      'company',
      'address',
      'address_1',
      'address_2',
      'street_number',
      'city',
      'state',
      'postcode',
      'country',
      'gender',
      'occupation',
      'date_of_birth',
    ].includes(f.name);
    const name = generic ? 'identifier' : f.name;
    const entry = collected.get(name) ?? { levels: f.levels.map((l) => l.level), m: [], u: [] };
    entry.m.push(f.levels.map((l) => l.m));
    entry.u.push(f.levels.map((l) => l.u));
    collected.set(name, entry);
  }
  console.log(`${set.file}: ${report.records} records, features ${report.result.model.features.map((f) => f.name).join(', ')}`);
}

const mean = (rows: readonly (readonly number[])[]): number[] =>
  (rows[0] ?? []).map((_, l) => rows.reduce((s, r) => s + (r[l] ?? 0), 0) / rows.length);
const features: Record<string, FeaturePrior> = {};
let identifier: FeaturePrior | undefined;
for (const [name, entry] of [...collected].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
  const u = mean(entry.u);
  // A feature missing from every sampled pair leaves u uniform: nothing was learnt.
  if (u.length > 2 && Math.abs((u[0] ?? 0) - (u[1] ?? 0)) < 1e-9 && Math.abs((u[1] ?? 0) - (u[2] ?? 0)) < 1e-9) continue;
  let m = normalised(mean(entry.m));
  const fixed = HAND_SET_M[name];
  if (fixed !== undefined) {
    const at = entry.levels.map((l) => fixed[l]);
    const rest = 1 - at.reduce<number>((s, x) => s + (x ?? 0), 0);
    const free = m.reduce((s, x, l) => s + (at[l] === undefined ? x : 0), 0);
    m = normalised(m.map((x, l) => at[l] ?? (x * rest) / free));
  }
  const prior = { levels: entry.levels, m, u: normalised(u) };
  if (name === 'identifier') identifier = HAND_SET_IDENTIFIER;
  else features[name] = prior;
}
Object.assign(features, HAND_SET);
const geometric = Math.exp(pairsPerRecord.reduce((s, x) => s + Math.log(x), 0) / pairsPerRecord.length);
const priors: MatchPriors = { pairsPerRecord: Number(geometric.toPrecision(3)), features, ...(identifier ? { identifier } : {}) };
/** The priors as TypeScript source: one line per feature's levels, m and u. */
function source(p: MatchPriors): string {
  const prior = (f: FeaturePrior, indent: string): string =>
    `{\n${indent}  levels: ${JSON.stringify(f.levels)},\n${indent}  m: ${JSON.stringify(f.m)},\n${indent}  u: ${JSON.stringify(f.u)},\n${indent}}`;
  const lines = Object.entries(p.features).map(
    ([name, f]) => `    ${/^[a-z_]+$/.test(name) ? name : JSON.stringify(name)}: ${prior(f, '    ')},`,
  );
  return `{\n  pairsPerRecord: ${p.pairsPerRecord},\n  features: {\n${lines.join('\n')}\n  },\n${p.identifier ? `  identifier: ${prior(p.identifier, '  ')},\n` : ''}}`;
}

const out = new URL('../packages/core/src/matching/match-priors-data.ts', import.meta.url);
writeFileSync(
  out,
  `// Generated by bench/derive-match-priors.ts from the public sets in ../shared/data; see match-priors.ts.\n` +
    `// Do not edit by hand: change the script (or its hand-set entries) and run it again.\n` +
    `import type { MatchPriors } from './match-priors.ts';\n\n` +
    `/** Kin's shipped priors (m and u per comparison level, true pairs per record). */\n` +
    `export const DEFAULT_PRIORS: MatchPriors = ${source(priors)};\n`,
);
console.log(
  `pairs per record ${pairsPerRecord.map((x) => x.toFixed(3)).join(', ')} → geometric mean ${geometric.toFixed(3)}; wrote ${out.pathname}`,
);

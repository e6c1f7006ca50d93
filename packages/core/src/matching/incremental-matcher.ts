/**
 * Incremental matching: one arriving record scored against the stored ones in time that does not grow
 * with their number. The matcher keeps a blocking index (key → record positions) over a fixed set of
 * specific rules, up to date as records are added, and a model learnt once (`matchRecords(...).model`,
 * or priors); a new record is compared only with the records that share one of its keys, at most
 * `maxCandidates` of them, newest first.
 *
 * The index here is in memory (benchmarks, files); the stores keep the same keys (`incrementalKeys`)
 * in a persistent index, and the server scores arrivals with `scoreCandidates` (match-follower.ts). Term frequencies are not adjusted here: exact
 * agreement weighs what it weighs on average, which makes incremental scores slightly more
 * conservative for rare values than a full run's.
 */
import type { ColumnRoles } from './column-roles.ts';
import { prepareNormalised, type MatchRecord } from './comparison-features.ts';
import { createRecordNormaliser, type NormalisedRecord, type RecordNormaliser } from './normalised-record.ts';
import { probabilityToWeight, weightToProbability, type FellegiSunterParameters } from './fellegi-sunter.ts';
import { createScorer } from './pair-scorer.ts';
import type { FieldEvidence, MatchModelSummary } from './match-result.ts';
import { isHardConflict } from './record-conflicts.ts';

/** Blocking rules of the incremental index: specific keys only, so blocks stay small. */
const INCREMENTAL_RULES: readonly (readonly string[])[] = [
  ['email'],
  ['phone'],
  ['name'],
  ['ln', 'dob'],
  ['fn', 'dob'],
  ['ln', 'pc'],
  ['addr'],
  ['company'],
];

/** A stored record that may be the same entity as the arriving one. */
export interface IncrementalCandidate {
  readonly key: string;
  readonly probability: number;
  readonly weight: number;
  /** Per-field evidence (level and log2 Bayes factor), for review items and merge explanations. */
  readonly evidence: readonly FieldEvidence[];
}

/** What the matcher found for one arriving record. */
export interface IncrementalMatch {
  /** Candidates at or above the link threshold, strongest first. */
  readonly links: readonly IncrementalCandidate[];
  /** Candidates between the review and the link threshold, strongest first. */
  readonly reviews: readonly IncrementalCandidate[];
  /** Stored records compared. */
  readonly compared: number;
}

/** Options of {@link createIncrementalMatcher}. */
export interface IncrementalMatcherOptions {
  readonly roles: ColumnRoles;
  /** The learnt model: λ and m/u per feature (names and levels as `matchRecords` reports them). */
  readonly parameters: FellegiSunterParameters;
  readonly linkThreshold?: number;
  readonly reviewThreshold?: number;
  /** Most stored records compared per arriving record. Default 200. */
  readonly maxCandidates?: number;
}

/** An incremental matcher over a growing set of records. */
export interface IncrementalMatcher {
  /** Adds stored records to the index (no matching). */
  add(records: readonly MatchRecord[]): void;
  /** Scores one arriving record against the stored ones (it is not added). */
  match(record: MatchRecord): IncrementalMatch;
  readonly size: number;
}

/**
 * The incremental blocking keys of each record (one batch prepared at once: key columns are columnar).
 * A persistent index (the stores' `match_keys`) holds exactly these strings.
 */
export function incrementalKeys(records: readonly MatchRecord[], roles: ColumnRoles): string[][] {
  const normaliser = createRecordNormaliser(roles);
  return normalisedKeys(records.map(normaliser.normalise), normaliser);
}

/** {@link incrementalKeys} of records normalised already. */
export function normalisedKeys(rows: readonly NormalisedRecord[], normaliser: RecordNormaliser): string[][] {
  const prepared = prepareNormalised(rows, normaliser);
  const columns = INCREMENTAL_RULES.map((rule) => rule.map((k) => prepared.keys.get(k)));
  return rows.map((_, i) => {
    const out: string[] = [];
    columns.forEach((cols, r) => {
      const parts: string[] = [];
      for (const col of cols) {
        const v = col?.[i];
        if (v === undefined) return;
        parts.push(v);
      }
      out.push(`${r}\u0000${parts.join('\u0001')}`);
    });
    return out;
  });
}

/** Creates an incremental matcher. */
export function createIncrementalMatcher(options: IncrementalMatcherOptions): IncrementalMatcher {
  // Stored records are normalised once, when added, not again for every arrival they are compared with.
  const normaliser = createRecordNormaliser(options.roles);
  const stored: NormalisedRecord[] = [];
  const index = new Map<string, number[]>();
  const maxCandidates = options.maxCandidates ?? 200;
  return {
    get size() {
      return stored.length;
    },
    add(records) {
      const rows = records.map(normaliser.normalise);
      const keys = normalisedKeys(rows, normaliser);
      for (const [r, row] of rows.entries()) {
        const at = stored.length;
        stored.push(row);
        for (const key of keys[r] ?? []) {
          const list = index.get(key);
          if (list === undefined) index.set(key, [at]);
          else list.push(at);
        }
      }
    },
    match(record) {
      const row = normaliser.normalise(record);
      const seen = new Set<number>();
      for (const key of normalisedKeys([row], normaliser)[0] ?? []) {
        const list = index.get(key);
        if (list === undefined) continue;
        // Newest first: a key shared by many records ("john|smith") contributes only its latest ones.
        for (let p = list.length - 1; p >= 0 && seen.size < maxCandidates; p--) seen.add(list[p] ?? 0);
      }
      const positions = [...seen].sort((a, b) => a - b);
      return scoreNormalised(
        row,
        positions.map((p) => stored[p] as NormalisedRecord),
        options,
      );
    },
  };
}

/** Options of {@link scoreCandidates}. */
export type ScoreCandidatesOptions = Pick<IncrementalMatcherOptions, 'roles' | 'parameters' | 'linkThreshold' | 'reviewThreshold'>;

/**
 * Scores one arriving record against candidate records (found by its blocking keys, in memory or in a
 * store's persistent index): links at or above the link threshold, reviews between the thresholds,
 * strongest first; organisation/person and Jr/Sr conflicts are never linked or queued.
 */
export function scoreCandidates(
  record: MatchRecord,
  candidates: readonly MatchRecord[],
  options: ScoreCandidatesOptions,
): IncrementalMatch {
  const normaliser = createRecordNormaliser(options.roles);
  return scoreNormalised(normaliser.normalise(record), candidates.map(normaliser.normalise), options);
}

/**
 * {@link scoreCandidates} of records normalised already (by one normaliser of `options.roles`): a caller
 * that keeps stored records normalised across arrivals (the server's candidate cache) skips the costly part.
 */
export function scoreNormalised(
  record: NormalisedRecord,
  candidates: readonly NormalisedRecord[],
  options: ScoreCandidatesOptions,
): IncrementalMatch {
  if (candidates.length === 0) return { links: [], reviews: [], compared: 0 };
  const linkWeight = probabilityToWeight(options.linkThreshold ?? 0.95);
  const reviewWeight = probabilityToWeight(options.reviewThreshold ?? 0.5);
  const group = [record, ...candidates];
  const prepared = prepareNormalised(group, record.normaliser);
  // Features present in this small group, with the model's parameters for them (by name).
  const byName = new Map(options.parameters.features.map((f) => [f.name, f]));
  const features = prepared.features.map((f) => byName.get(f.name));
  const parameters: FellegiSunterParameters = {
    lambda: options.parameters.lambda,
    features: prepared.features.map(
      (f, k) =>
        features[k] ?? {
          name: f.name,
          levels: f.levels,
          m: f.levels.map(() => 1 / f.levels.length),
          u: f.levels.map(() => 1 / f.levels.length),
        },
    ),
  };
  const scorer = createScorer(prepared, parameters, undefined, { termFrequency: false });
  const links: IncrementalCandidate[] = [];
  const reviews: IncrementalCandidate[] = [];
  for (let i = 1; i < group.length; i++) {
    if (isHardConflict(prepared.conflict(0, i))) continue;
    const weight = scorer.weight(0, i);
    if (weight < reviewWeight) continue;
    const evidence = scorer.explain(0, i).map((e) => ({ field: e.feature, level: e.level, weight: e.weight }));
    const candidate = { key: group[i]?.key ?? '', weight, probability: weightToProbability(weight), evidence };
    if (weight >= linkWeight) links.push(candidate);
    else reviews.push(candidate);
  }
  const byWeight = (a: IncrementalCandidate, b: IncrementalCandidate): number => b.weight - a.weight || (a.key < b.key ? -1 : 1);
  return { links: links.sort(byWeight), reviews: reviews.sort(byWeight), compared: candidates.length };
}

/** The parameters of a learnt model (`matchRecords(...).model`), for an incremental matcher. */
export function modelParameters(model: MatchModelSummary): FellegiSunterParameters {
  return {
    lambda: model.lambda,
    ...(model.singleDisagreementBonus !== undefined ? { singleDisagreementBonus: model.singleDisagreementBonus } : {}),
    features: model.features.map((f) => ({
      name: f.name,
      levels: f.levels.map((l) => l.level),
      m: f.levels.map((l) => l.m),
      u: f.levels.map((l) => l.u),
    })),
  };
}

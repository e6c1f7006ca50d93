/**
 * The options and the result of the matching engine (match-engine.ts): what a caller passes and gets back.
 * Apart from the engine so the engine's file reads as its steps.
 */
import type { ColumnRoles } from './column-roles.ts';
import type { MatchRecord } from './comparison-features.ts';
import type { MatchPriors } from './match-priors.ts';

/** Options of {@link matchRecords}. */
export interface MatchOptions {
  readonly records: readonly MatchRecord[];
  /** Column roles, usually from `detectColumnRoles(headers, mapping)`. */
  readonly roles: ColumnRoles;
  /** `dedupe` (default) compares all records; `link` only records from different sources. */
  readonly mode?: 'dedupe' | 'link';
  /** In link mode: at most one record per source in a cluster (sources without duplicates). Default true. */
  readonly oneToOne?: boolean;
  /** Match probability at or above which a pair is linked. Default 0.95. */
  readonly linkThreshold?: number;
  /** Match probability at or above which a pair is queued for review. Default 0.5. */
  readonly reviewThreshold?: number;
  /** Candidate pair budget for blocking. Default max(250 000, 15 × records). */
  readonly maxPairs?: number;
  /** Blocks larger than this are skipped by their rule. Default 500. */
  readonly maxBlockSize?: number;
  /** Share of cross pairs that must reach the review threshold for two clusters to merge. Default 0.5. */
  readonly supportShare?: number;
  /** PRNG seed. Default 1. */
  readonly seed?: number;
  /** Prior m/u probabilities blended with the data's estimates (match-priors.ts); `false` for none. Default: Kin's shipped priors. */
  readonly priors?: MatchPriors | false;
  /** Accumulate evidence per cluster after pairwise clustering (entity-linking.ts). Default true. */
  readonly entityLinking?: boolean;
  /** Called as each phase finishes (for progress output and timing; the engine itself has no clock). */
  readonly onPhase?: (phase: 'prepare' | 'u' | 'm' | 'block' | 'compare' | 'score' | 'cluster') => void;
}

/** Evidence of one field for one pair: the level reached and its weight (log2 Bayes factor). */
export interface FieldEvidence {
  readonly field: string;
  readonly level: string;
  readonly weight: number;
}

/** A scored pair of record keys (`a` sorts before `b`). */
export interface ScoredPair {
  readonly a: string;
  readonly b: string;
  readonly probability: number;
  /** log2 odds of a match (prior included). */
  readonly weight: number;
}

/** A pair for clerical review, with per-field evidence and why it was not linked. */
export interface ReviewPair extends ScoredPair {
  readonly reason: 'below-link-threshold' | 'merge-not-supported' | 'same-source';
  readonly evidence: readonly FieldEvidence[];
}

/**
 * One step that built a cluster: a pair linked on its own evidence (`pair`), or a pair whose clusters
 * were joined by their accumulated evidence (`entity`, with the cluster-level weight).
 */
export interface ClusterStep extends ScoredPair {
  readonly via: 'pair' | 'entity';
}

/** What the engine learnt, for reports and explanations. */
export interface MatchModelSummary {
  readonly lambda: number;
  /** Share of λ that came from the data (the rest from the prior pairs per record). */
  readonly lambdaDataShare: number;
  /** log2 bonus of pairs exact on every compared field but at most one, learnt from the file (disagreement-count.ts). */
  readonly singleDisagreementBonus?: number;
  readonly linkThreshold: number;
  readonly reviewThreshold: number;
  readonly features: readonly {
    readonly name: string;
    readonly termFrequency: boolean;
    /** Whether a prior was blended in (else m and u are the data's alone). */
    readonly hasPrior: boolean;
    /** Share of m and of u that came from the data (0 = the prior as shipped, 1 = the data alone). */
    readonly mDataShare: number;
    readonly uDataShare: number;
    readonly levels: readonly { readonly level: string; readonly m: number; readonly u: number; readonly weight: number }[];
  }[];
  readonly trainingRules: readonly string[];
}

/** The outcome of matching. */
export interface MatchResult {
  /** Pairs linked (at or above the link threshold and inside one cluster), strongest first. */
  readonly links: readonly ScoredPair[];
  /** How many of the links joined two clusters by their accumulated evidence (the last ones in `links`). */
  readonly entityLinks: number;
  /** Pairs to review, strongest first. */
  readonly reviews: readonly ReviewPair[];
  /** Clusters of two or more keys; keys sorted, clusters ordered by their first key. */
  readonly clusters: readonly (readonly string[])[];
  readonly model: MatchModelSummary;
  readonly blocking: {
    readonly rules: readonly string[];
    readonly considered: readonly { readonly rule: string; readonly pairs: number; readonly used: boolean }[];
    /** Distinct candidate pairs compared. */
    readonly candidatePairs: number;
    /** All pairs the task could compare (n(n-1)/2, or cross-source pairs when linking). */
    readonly totalPairs: number;
  };
  /** Whether blocking made this pair a candidate (for pair completeness in evaluation). */
  isCandidatePair(a: string, b: string): boolean;
  /** The steps that joined the cluster of a record, in the order they were taken (empty for a singleton). */
  explainCluster(key: string): readonly ClusterStep[];
  /** Score and per-field evidence of any two records. */
  explain(a: string, b: string): (ScoredPair & { readonly evidence: readonly FieldEvidence[] }) | undefined;
}

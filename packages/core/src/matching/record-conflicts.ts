/**
 * Conflicts: facts that say two records are different people whatever else agrees. They guard
 * clusters against chaining (record A joins B through a shared family phone, B joins C through an
 * address, and a cluster of three people forms): no cluster may hold two records in conflict.
 * `organisation-and-person` and `generational-suffix` also forbid linking the pair itself; two
 * different account numbers are left to the pair's score (the pair is scored and may be reviewed),
 * but never share a cluster. Why not let a pair that scores well vouch for its different accounts
 * (as before): on the 2,392-record customer set a namesake of one household (same name, postcode)
 * joined a cluster of four that way, through a pair whose account numbers differ; forbidding it
 * gained 0.0017 F1 there and changed no public set.
 *
 * Why dates of birth are not a conflict in general: measured on splink's fake_1000, whose true
 * duplicates often carry unrelated dates, a guard on dates no typo explains cost 0.09 pairwise F1 and
 * gained nothing on the sparse customer sets (the date feature's own weight already separates such pairs).
 * `suffix-and-date-of-birth` is the exception: where either record carries a generational suffix
 * (Jr, Sr, III), the family reuses the name, so name, address and phone say nothing about which
 * generation a record is; dates of birth that no keying error explains (within a month, a year, or
 * further apart) then say two people. On the 2,392-record customer set two "Robert Ellis Jr" of one
 * address (born 1962 and 1963) formed a cluster of five through a record without a date; the guard
 * ends it (F1 0.9124 -> 0.9138) and changes no public set (none carries suffixes).
 */
import { compareDates, DATE_LEVELS, type ParsedDate } from './date-parse.ts';
import { RecordKind, type NameColumns } from './name-columns.ts';
import { withinOneEdit } from './string-similarity.ts';

/** Why two records cannot be one entity. */
export type Conflict = 'organisation-and-person' | 'generational-suffix' | 'identifier' | 'suffix-and-date-of-birth';

/** Date levels from which no keying error explains the difference (within a month, a year, or further). */
const UNEXPLAINED_DATE_LEVEL = DATE_LEVELS.indexOf('within-month');

/** Conflicts that forbid linking the pair directly, not only inside a cluster. */
export function isHardConflict(conflict: Conflict | undefined): boolean {
  return conflict === 'organisation-and-person' || conflict === 'generational-suffix';
}

/** Builds the conflict test of a record set from its names and strong identifier columns. */
export function recordConflicts(options: {
  readonly names: NameColumns;
  readonly identifiers: readonly (readonly (string | undefined)[])[];
  readonly dates?: readonly (ParsedDate | undefined)[];
}): (i: number, j: number) => Conflict | undefined {
  const { names, identifiers, dates } = options;
  return (i, j) => {
    const ki = names.kind[i] ?? 0;
    const kj = names.kind[j] ?? 0;
    if (ki !== kj && ki !== RecordKind.unknown && kj !== RecordKind.unknown) return 'organisation-and-person';
    const si = names.suffix[i];
    const sj = names.suffix[j];
    if (si !== undefined && sj !== undefined && si !== sj) return 'generational-suffix';
    if ((si !== undefined || sj !== undefined) && dates !== undefined) {
      const a = dates[i];
      const b = dates[j];
      if (a !== undefined && b !== undefined && compareDates(a, b) >= UNEXPLAINED_DATE_LEVEL) return 'suffix-and-date-of-birth';
    }
    for (const col of identifiers) {
      const a = col[i];
      const b = col[j];
      if (a !== undefined && b !== undefined && a !== b && !withinOneEdit(a, b)) return 'identifier';
    }
    return undefined;
  };
}

/**
 * The chain an initial builds: `K. Patel` fits both Katherine and Karen Patel, so each link through it
 * looks sound while the cluster it builds holds two people. When clusters A and B would merge into one
 * holding a record known by its first initial only, every full first name of A must be compatible with
 * every full first name of B (`firstNamesCompatible`: equal, nicknames, a typo or a close likeness).
 * Why only with an initial: without one, plainly different first names among one person's records are
 * common in the public sets (FEBRL swaps and replaces given names: 865 of FEBRL 3's true pairs), and
 * the pair's own score judges them; an initial is what lets two such names meet without being compared.
 */
export function initialBridgesNames(options: {
  readonly first: readonly (string | undefined)[];
  readonly firstNamesCompatible: (i: number, j: number) => boolean;
}): (a: readonly number[], b: readonly number[]) => boolean {
  const { first, firstNamesCompatible } = options;
  const initialOnly = (i: number): boolean => first[i]?.length === 1;
  const full = (i: number): boolean => (first[i]?.length ?? 0) > 1;
  return (a, b) => {
    if (!a.some(initialOnly) && !b.some(initialOnly)) return false;
    return a.some((x) => full(x) && b.some((y) => full(y) && !firstNamesCompatible(x, y)));
  };
}

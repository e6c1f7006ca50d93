/**
 * A lexicographic "incoming wins" condition as nested comparisons, `(a > c OR (a = c AND …))`: the form both
 * stores run for an order written as data (trait-order-sql.ts, consent-order-sql.ts). Each key's expression
 * is reached only when the keys before it are equal, and it reads the same in SQLite and PostgreSQL.
 */

/** One key of the order: the incoming and current expressions, and the comparison by which incoming wins. */
export interface OrderTerm {
  incoming: string;
  current: string;
  wins: '>' | '<';
}

/** The condition "incoming wins over current" under `terms`, compared in sequence (the first that differs decides). */
export function lexicographicWinsSql(terms: readonly OrderTerm[]): string {
  const nested = (i: number): string => {
    const { incoming, current, wins } = terms[i]!;
    const decides = `${incoming} ${wins} ${current}`;
    return i === terms.length - 1 ? decides : `(${decides} OR (${incoming} = ${current} AND ${nested(i + 1)}))`;
  };
  return nested(0);
}

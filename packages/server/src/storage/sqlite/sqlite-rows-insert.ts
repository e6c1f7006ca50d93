/**
 * Many rows per INSERT. Why: on the writer thread one statement call per row cost more than the row's
 * insert (binding, stepping and resetting a statement from JavaScript); the bulk writes of messageId claims
 * and timeline entries insert up to 64 rows per call.
 */
import type Database from 'better-sqlite3';

/** Rows per INSERT at most. */
const MAX_ROWS = 64;

/** Inserts of `columns` values per row into `table (columnList)`, `verb` being e.g. `INSERT OR IGNORE`. */
export function createRowsInsert(db: Database.Database, verb: string, table: string, columnList: string[]) {
  const statements = new Map<number, Database.Statement>();
  const row = `(${columnList.map(() => '?').join(', ')})`;
  return {
    /** How many of `remaining` rows the next call should take: a power of two up to 64. */
    rowsFor(remaining: number): number {
      let rows = MAX_ROWS;
      while (rows > remaining) rows /= 2;
      return rows;
    },
    /** Inserts the rows whose values `params` holds one after another; returns how many were inserted. */
    run(params: unknown[]): number {
      const rows = params.length / columnList.length;
      let statement = statements.get(rows);
      if (!statement) {
        statement = db.prepare(
          `${verb} INTO ${table} (${columnList.join(', ')}) VALUES ${Array.from({ length: rows }, () => row).join(', ')}`,
        );
        statements.set(rows, statement);
      }
      return statement.run(params).changes;
    },
  };
}

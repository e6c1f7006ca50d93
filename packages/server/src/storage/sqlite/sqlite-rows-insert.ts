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

/**
 * `INSERT … ON CONFLICT DO NOTHING RETURNING <returning>` of many rows, up to 64 per statement: the rows that
 * were new (a row already there returns nothing), for a caller that must count only those (link clicks).
 */
export function createNewRowsInsert(db: Database.Database, table: string, columnList: string[], returning: string) {
  const statements = new Map<number, Database.Statement>();
  const row = `(${columnList.map(() => '?').join(', ')})`;
  const width = columnList.length;
  const statementOf = (rows: number): Database.Statement => {
    let statement = statements.get(rows);
    if (!statement) {
      statement = db.prepare(
        `INSERT INTO ${table} (${columnList.join(', ')}) VALUES ${Array.from({ length: rows }, () => row).join(', ')}
         ON CONFLICT DO NOTHING RETURNING ${returning}`,
      );
      statements.set(rows, statement);
    }
    return statement;
  };
  return {
    /** Inserts the rows whose values `params` holds one after another; answers the new ones. */
    run(params: unknown[]): Array<Record<string, unknown>> {
      const out: Array<Record<string, unknown>> = [];
      // Powers of two up to 64 rows per statement, so at most seven statements are ever prepared.
      for (let at = 0; at < params.length;) {
        let rows = MAX_ROWS;
        while (rows * width > params.length - at) rows /= 2;
        const chunk = rows * width === params.length ? params : params.slice(at, at + rows * width);
        for (const r of statementOf(rows).all(chunk) as Array<Record<string, unknown>>) out.push(r);
        at += rows * width;
      }
      return out;
    },
  };
}

/** Statements prepared once per connection: preparing a small statement costs more than running it. */
import type Database from 'better-sqlite3';

const statements = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** The statement of `sql` on `connection`, prepared on first use. A caller that sets a mode (`pluck`) sets it for every caller of that text. */
export function cachedStatement(connection: Database.Database, sql: string): Database.Statement {
  let byText = statements.get(connection);
  if (!byText) statements.set(connection, (byText = new Map()));
  let statement = byText.get(sql);
  if (!statement) byText.set(sql, (statement = connection.prepare(sql)));
  return statement;
}

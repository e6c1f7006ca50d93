/**
 * Sources (one per channel, each with a write key of which only a hash is stored) in the SQLite store.
 * Why a name cache without eviction: a source id never changes its name, and sources are few.
 */
import type Database from 'better-sqlite3';
import type { IdGenerator } from '../../ports/ids.ts';
import type { NewSource, SourceRecord, Store } from '../storage.ts';
import { toSource } from '../store-rows.ts';
import type { WriteQueue } from './write-queue.ts';

type Row = Record<string, unknown>;

/** Source CRUD of the SQLite store, and the writer's source-name lookup. */
export function createSqliteSources(db: Database.Database, read: () => Database.Database, queue: WriteQueue, ids: IdGenerator) {
  const names = new Map<string, string>();
  let nameOf: Database.Statement | undefined;
  const crud: Pick<Store, 'createSource' | 'listSources' | 'revokeSource' | 'findSourceByKeyHash'> = {
    async createSource(source: NewSource): Promise<SourceRecord> {
      return queue.run(() => {
        const id = ids.rowId();
        db.prepare('INSERT INTO sources (id, name, write_key_hash, created_at) VALUES (?, ?, ?, ?)').run(
          id,
          source.name,
          source.writeKeyHash,
          source.createdAt,
        );
        return { id, name: source.name, createdAt: source.createdAt };
      });
    },
    async listSources() {
      return (read().prepare('SELECT * FROM sources ORDER BY created_at, name').all() as Row[]).map(toSource);
    },
    async revokeSource(name, at) {
      return queue.run(() => {
        const row = db.prepare('SELECT * FROM sources WHERE name = ? AND revoked_at IS NULL').get(name) as Row | undefined;
        if (!row) return undefined;
        db.prepare('UPDATE sources SET revoked_at = ? WHERE id = ?').run(at, row.id);
        return toSource({ ...row, revoked_at: at });
      });
    },
    async findSourceByKeyHash(hash, options) {
      const sql = options?.includeRevoked
        ? 'SELECT * FROM sources WHERE write_key_hash = ?'
        : 'SELECT * FROM sources WHERE write_key_hash = ? AND revoked_at IS NULL';
      const row = read().prepare(sql).get(hash) as Row | undefined;
      return row ? toSource(row) : undefined;
    },
  };
  return {
    crud,
    /** A source's name, read on the writer connection (inside a write transaction). */
    nameOf(sourceId: string): string | undefined {
      let name = names.get(sourceId);
      if (name === undefined) {
        nameOf ??= db.prepare('SELECT name FROM sources WHERE id = ?').pluck();
        name = nameOf.get(sourceId) as string | undefined;
        if (name !== undefined) names.set(sourceId, name);
      }
      return name;
    },
  };
}

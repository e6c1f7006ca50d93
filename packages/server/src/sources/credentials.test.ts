/** Declared write keys (KIN_WRITE_KEYS) reconciled with the stored sources at every start. */
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../config.ts';
import { hashSecret } from '../http/secret-compare.ts';
import { memoryLogger } from '../ports/logger.ts';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import type { Store } from '../storage/storage.ts';
import { ensureCredentials } from './credentials.ts';

const ADMIN = 'credentials-admin-token-0123';
const KEY_A = 'declared-key-aaaa-0001';
const KEY_B = 'declared-key-bbbb-0002';
const NOW = new Date('2026-11-01T10:00:00.000Z');
let store: Store | undefined;
afterEach(async () => store?.close());

const start = (s: Store, declaredKeys: Array<{ name: string; key: string }>, logger = memoryLogger()) =>
  ensureCredentials({ db: ':memory:', store: s, adminToken: ADMIN, declaredKeys, now: NOW, logger }).then(() => logger);

describe('declared write keys', () => {
  it('a restart with the same declaration changes nothing', async () => {
    store = await openSqliteStore({ path: ':memory:' });
    await start(store, [{ name: 'web', key: KEY_A }]);
    const before = await store.listSources();
    const logger = await start(store, [{ name: 'web', key: KEY_A }]);
    expect(await store.listSources()).toEqual(before);
    expect(logger.lines).toEqual([]);
  });

  it('a new key for a source revokes its old one', async () => {
    store = await openSqliteStore({ path: ':memory:' });
    await start(store, [{ name: 'web', key: KEY_A }]);
    await start(store, [{ name: 'web', key: KEY_B }]);
    expect(await store.findSourceByKeyHash(hashSecret(KEY_A))).toBeUndefined();
    expect((await store.findSourceByKeyHash(hashSecret(KEY_B)))?.name).toBe('web');
  });

  it('a revoked declared key stays revoked; each start says so once, without the key', async () => {
    store = await openSqliteStore({ path: ':memory:' });
    await start(store, [{ name: 'web', key: KEY_A }]);
    await store.revokeSource('web', NOW.toISOString());
    for (let restart = 0; restart < 2; restart++) {
      const logger = await start(store, [{ name: 'web', key: KEY_A }]);
      expect(await store.findSourceByKeyHash(hashSecret(KEY_A))).toBeUndefined();
      expect(logger.lines).toHaveLength(1);
      expect(JSON.parse(logger.lines[0]!)).toMatchObject({ level: 'warn', source: 'web' });
      expect(logger.lines[0]).not.toContain(KEY_A);
    }
    expect((await store.listSources()).filter((s) => s.name === 'web')).toHaveLength(1);
  });

  it("a key that is another active source's: a configuration error naming both, not the key", async () => {
    store = await openSqliteStore({ path: ':memory:' });
    await start(store, [{ name: 'ios', key: KEY_A }]);
    const error = await start(store, [{ name: 'web', key: KEY_A }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      'invalid configuration: writeKeys (KIN_WRITE_KEYS): the key declared for source "web" is the key of source "ios"',
    );
    expect((await store.findSourceByKeyHash(hashSecret(KEY_A)))?.name).toBe('ios');
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '@kin/core';
import type { TrackingEvent } from '@kin/core';
import { normalizerFor } from '../identity/policy-load.ts';
import { applyEvents } from '../pipeline/event-apply.ts';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import { runKin } from '../testing/kin-process.ts';
import { createProgressBar } from './progress-bar.ts';

const dir = mkdtempSync(join(tmpdir(), 'kin-identity-cli-'));
const db = join(dir, 'kin.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const clean = { KIN_ADMIN_TOKEN: '', KIN_WRITE_KEYS: '', KIN_DB: '', PORT: '', KIN_POLICY: '' };
const at = (m: number) => new Date(Date.UTC(2026, 10, 1, 10, m)).toISOString();
const ev = (n: number, fields: Partial<TrackingEvent>): TrackingEvent => ({
  type: 'identify',
  messageId: `c${n}`,
  timestamp: at(n),
  receivedAt: at(n),
  ...fields,
});

beforeAll(async () => {
  const store = await openSqliteStore({ path: db });
  const deps = { policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) };
  await store.transaction((tx) =>
    applyEvents(
      tx,
      'src-web',
      [
        ev(1, { anonymousId: 'shared-browser' }),
        ev(2, { userId: 'ann', anonymousId: 'shared-browser', traits: { email: 'ann@shop.example' } }),
        ev(3, { userId: 'bob', anonymousId: 'shared-browser' }),
        ev(4, { userId: 'ann', anonymousId: 'ann-phone', context: { consent: { categoryPreferences: { analytics: true } } } }),
      ],
      deps,
    ),
  );
  await store.close();
});

describe('kin explain', () => {
  it('prints how each identifier joined, the refusals and consent, as text', async () => {
    const result = await runKin(['explain', 'user_id:ann', '--db', db], clean);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/user_id:ann {2}linked by attach \(R4\), event c2 from source src-web/);
    expect(result.stdout).toMatch(/anonymous_id:shared-browser {2}linked by new_profile \(R3\), event c1/);
    expect(result.stdout).toContain('Consent\n  analytics: granted');
    const bob = await runKin(['explain', 'user_id:bob', '--db', db], clean);
    expect(bob.stdout).toMatch(/anonymous_id:shared-browser {2}limit \(R6\): dropped to keep user_id within the limit; event c3/);
  });

  it('prints JSON with --json, and exits 3 for an unknown profile', async () => {
    const result = await runKin(['explain', 'email:ann@shop.example', '--db', db, '--json'], clean);
    expect(JSON.parse(result.stdout)).toMatchObject({ profile: { traits: { email: 'ann@shop.example' } } });
    expect((await runKin(['explain', 'user_id:nobody', '--db', db], clean)).code).toBe(3);
  });
});

describe('kin replay', () => {
  it('rebuilds the graph and reports no change under the same policy', async () => {
    const result = await runKin(['replay', '--db', db], clean);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Replayed 4 events.');
    expect(result.stdout).toContain('Profiles: 2 before, 2 after; 0 split, 0 merged.');
    expect(result.stderr).toBe('');
    const explain = await runKin(['explain', 'user_id:ann', '--db', db, '--json'], clean);
    expect(JSON.parse(explain.stdout).identifiers).toHaveLength(4);
  });
});

describe('progress bar', () => {
  it('draws on a TTY and stays silent otherwise', () => {
    const written: string[] = [];
    const tty = createProgressBar({ isTTY: true, write: (s: string) => written.push(s) }, 'replaying', 10);
    tty.update(5, 10);
    tty.done();
    expect(written).toEqual(['\rreplaying [#####-----]  50% 5/10', '\n']);
    const pipe: string[] = [];
    const silent = createProgressBar({ isTTY: false, write: (s: string) => pipe.push(s) }, 'replaying');
    silent.update(1, 2);
    silent.done();
    expect(pipe).toEqual([]);
  });
});

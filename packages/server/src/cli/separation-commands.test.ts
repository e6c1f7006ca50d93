import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '@kin/core';
import type { TrackingEvent } from '@kin/core';
import type { ProfileExplanation } from '../storage/storage.ts';
import { normalizerFor } from '../identity/policy-load.ts';
import { applyEvents } from '../pipeline/event-apply.ts';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import { runKin } from '../testing/kin-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'kin-separation-cli-'));
const db = join(dir, 'kin.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const clean = { KIN_ADMIN_TOKEN: '', KIN_WRITE_KEYS: '', KIN_DB: '', PORT: '', KIN_POLICY: '' };
const at = (m: number) => new Date(Date.UTC(2026, 10, 1, 10, m)).toISOString();
const ev = (n: number, fields: Partial<TrackingEvent>): TrackingEvent => ({
  type: 'identify',
  messageId: `s${n}`,
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
        // Two profiles (a browser, a login with email), then one event that merges them; dan's phone browses alone once.
        ev(1, { type: 'page', anonymousId: 'browser-1' }),
        ev(2, { userId: 'cara', traits: { email: 'cara@shop.example' } }),
        ev(3, { userId: 'cara', anonymousId: 'browser-1' }),
        ev(4, { userId: 'dan', anonymousId: 'dan-phone', traits: { email: 'dan@shop.example' } }),
        ev(5, { type: 'page', anonymousId: 'dan-phone' }),
      ],
      deps,
    ),
  );
  await store.close();
});

const explain = async (ref: string) =>
  JSON.parse((await runKin(['explain', ref, '--db', db, '--json'], clean)).stdout) as ProfileExplanation;
const oneLine = (stderr: string) => stderr.trim().split('\n');

describe('kin undo', () => {
  it('undoes a merge into two profiles, then refuses to undo it twice or an unknown id, in one line', async () => {
    const merge = (await explain('user_id:cara')).merges.find((m) => m.rule !== 'undo' && m.rule !== 'split');
    expect(merge).toBeDefined();
    const undone = await runKin(['undo', merge!.id, '--db', db], clean);
    expect(undone.code, undone.stderr).toBe(0);
    expect(undone.stdout).toMatch(
      new RegExp(`^undid merge ${merge!.id}: profiles \\S+, \\S+; do-not-link rule \\S+; ledger entry \\S+; \\d+ events replayed\\n$`),
    );
    const cara = await explain('user_id:cara');
    expect(cara.profile.externalIds.map((i) => `${i.type}:${i.value}`)).not.toContain('anonymous_id:browser-1');

    const again = await runKin(['undo', merge!.id, '--db', db], clean);
    expect(again.code).toBe(1);
    expect(oneLine(again.stderr)).toEqual([expect.stringMatching(/^kin: this merge was undone already/)]);
    const unknown = await runKin(['undo', 'no-such-merge', '--db', db], clean);
    expect(unknown.code).toBe(3);
    expect(oneLine(unknown.stderr)).toEqual(['kin: no merge has this id']);
  });
});

describe('kin split', () => {
  it('moves identifiers out of a profile into their own, and names what is wrong otherwise', async () => {
    const split = await runKin(['split', 'user_id:dan', '--ids', 'anonymous_id:dan-phone', '--db', db], clean);
    expect(split.code, split.stderr).toBe(0);
    expect(split.stdout).toMatch(/^split 1 identifier\(s\) out of user_id:dan: profiles /);
    const dan = await explain('user_id:dan');
    expect(dan.profile.externalIds.map((i) => `${i.type}:${i.value}`)).not.toContain('anonymous_id:dan-phone');
    expect((await explain('anonymous_id:dan-phone')).profile.id).not.toBe(dan.profile.id);

    const notHeld = await runKin(['split', 'user_id:dan', '--ids', 'email:someone@else.example', '--db', db], clean);
    expect(notHeld.code).toBe(2);
    expect(oneLine(notHeld.stderr)).toEqual(['kin: the profile does not hold email:someone@else.example']);
    const badId = await runKin(['split', 'user_id:dan', '--ids', 'nonsense', '--db', db], clean);
    expect(badId.code).toBe(2);
    expect(oneLine(badId.stderr)[0]).toMatch(/"nonsense" is not an identifier/);
    const nobody = await runKin(['split', 'user_id:nobody', '--ids', 'user_id:x', '--db', db], clean);
    expect(nobody.code).toBe(3);
  });
});

describe('kin review', () => {
  it('lists the queue with a header and refuses an unknown item or status in one line', async () => {
    const list = await runKin(['review', '--db', db], clean);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.split('\n')[0]).toBe('ID\tPROBABILITY\tPROFILE A\tPROFILE B\tREASON\tSTATUS');
    const unknown = await runKin(['review', 'accept', 'no-such-item', '--db', db], clean);
    expect(unknown.code).toBe(3);
    expect(oneLine(unknown.stderr)).toEqual(['kin: no review item has the id no-such-item']);
    const status = await runKin(['review', 'list', '--status', 'maybe', '--db', db], clean);
    expect(status.code).toBe(2);
    expect(oneLine(status.stderr)).toEqual(['kin: --status is open, accepted or rejected']);
  });
});

/**
 * A per-source phone region (policy `sources.<name>.defaultPhoneRegion`) over a real server: the same
 * national number is read in the region of the source that sent it, and refused where it is not valid.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicy } from '@kin/core';
import type { TestKin } from '../testing/kin-harness.ts';
import { startTestKin } from '../testing/kin-harness.ts';
import { createSourceRegions } from './source-regions.ts';

const FR_KEY = 'test-write-key-shop-fr-01';
let kin: TestKin;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kin-regions-'));
  const policyFile = join(dir, 'policy.json');
  writeFileSync(policyFile, JSON.stringify({ defaultPhoneRegion: 'US', sources: { shop_fr: { defaultPhoneRegion: 'FR' } } }));
  kin = await startTestKin({ env: { KIN_POLICY: policyFile, KIN_WRITE_KEYS: `web:test-write-key-web-0123,shop_fr:${FR_KEY}` } });
});
afterAll(async () => {
  await kin.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('per-source phone region', () => {
  it('reads 06 12 34 56 78 as +33… from the French source, and refuses it from the US-default source', async () => {
    const fr = await kin.track(
      '/v1/identify',
      { userId: 'fr-1', traits: { phone: '06 12 34 56 78' } },
      { headers: { authorization: 'Basic ' + Buffer.from(`${FR_KEY}:`).toString('base64') } },
    );
    expect(fr.status).toBe(200);
    const web = await kin.track('/v1/identify', { userId: 'us-1', traits: { phone: '06 12 34 56 78' } });
    expect(web.status).toBe(200);
    const found = (await (await kin.admin('/v1/profiles/' + encodeURIComponent('phone:+33612345678'))).json()) as {
      externalIds: Array<{ type: string; value: string }>;
    };
    expect(found.externalIds).toContainEqual(expect.objectContaining({ type: 'user_id', value: 'fr-1' }));
    expect(found.externalIds).not.toContainEqual(expect.objectContaining({ value: 'us-1' }));
    expect((await kin.admin('/v1/profiles/' + encodeURIComponent('phone:+10612345678'))).status).toBe(404);
    const us = (await (await kin.admin('/v1/profiles/user_id:us-1')).json()) as { externalIds: Array<{ type: string }> };
    expect(us.externalIds.map((x) => x.type)).not.toContain('phone');
  });

  it('reads national numbers of an import in the region of the import source', async () => {
    const res = await kin.admin('/v1/imports?source=shop_fr', {
      method: 'POST',
      body: 'crm_id,phone\nc-1,06 98 76 54 32\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ imported: 1, rejected: 0 });
    expect((await kin.admin('/v1/profiles/' + encodeURIComponent('phone:+33698765432'))).status).toBe(200);
  });
});

describe('createSourceRegions', () => {
  it('is absent without regional sources, and reads the store again only for a new source id', async () => {
    const plain = parsePolicy({});
    if (!plain.ok) throw new Error('policy');
    expect(createSourceRegions(plain.policy, () => Promise.resolve([]))).toBeUndefined();
    const parsed = parsePolicy({ sources: { fr: { defaultPhoneRegion: 'FR' } } });
    if (!parsed.ok) throw new Error('policy');
    const sources = [{ id: 's1', name: 'fr' }];
    let reads = 0;
    const regions = createSourceRegions(parsed.policy, () => {
      reads++;
      return Promise.resolve([...sources]);
    })!;
    await regions.ensure(['s1']);
    expect(regions.regionOf('s1')).toBe('FR');
    expect(regions.ensure(['s1'])).toBeUndefined();
    sources.push({ id: 's2', name: 'web' });
    await regions.ensure(['s1', 's2']);
    expect([regions.knows('s2'), regions.regionOf('s2'), reads]).toEqual([true, undefined, 2]);
  });
});

/** The link service over a real in-memory SQLite store: what it keeps in memory across a privacy delete. */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '@kin/core';
import { normalizerFor } from '../identity/policy-load.ts';
import { fixedClock } from '../ports/clock.ts';
import { sequentialIds } from '../ports/ids.ts';
import type { LinksStore } from '../storage/links-store.ts';
import type { Store } from '../storage/storage.ts';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import { createLinkService } from './link-service.ts';

const ORIGIN = 'https://go.shop.example';
const UA = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0';
let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

describe('link service', () => {
  it('does not keep a recipient read before a forget (a privacy delete committed while it was read)', async () => {
    store = await openSqliteStore({ path: ':memory:' });
    const real = store.links;
    let reads = 0;
    let hold: Promise<void> | undefined;
    // The store's own read, answered only once `hold` settles: a slow read that a delete overtakes.
    const links: LinksStore = Object.assign(Object.create(real) as LinksStore, {
      findRecipient: async (id: string) => {
        reads++;
        const recipient = await real.findRecipient(id);
        await hold;
        return recipient;
      },
    });
    const clicks = { push() {}, pending: () => 0, lost: () => 0, drain: async () => {}, close: async () => {} };
    const service = createLinkService({
      store,
      links,
      clock: fixedClock('2026-06-01T12:00:00.000Z'),
      ids: sequentialIds(),
      config: { ip: 'truncate', scannerSeconds: 10, secret: 'x'.repeat(32) },
      clicks,
      normalize: normalizerFor(DEFAULT_POLICY),
    });
    const created = await service.create({ url: 'https://shop.example/a', tags: [] }, ORIGIN);
    if (created === 'code_taken') throw new Error('code taken');
    const link = (await service.find(created.id))!;
    const recipients = await service.addRecipients(link, [{ ref: 'email:ann@shop.test', type: 'email', value: 'ann@shop.test' }], ORIGIN);
    const token = recipients[0]!.token;

    let release!: () => void;
    hold = new Promise((done) => (release = done));
    const opened = service.open({ token, userAgent: UA, ip: '127.0.0.1' });
    await new Promise((done) => setTimeout(done, 10));
    expect(reads).toBe(1);
    service.forgetRecipients();
    release();
    expect(await opened).toBe(true);

    hold = undefined;
    expect(await service.open({ token, userAgent: UA, ip: '127.0.0.1' })).toBe(true);
    // Read from the store again: the first answer was not remembered.
    expect(reads).toBe(2);
    // Remembered now that no forget came in between.
    expect(await service.open({ token, userAgent: UA, ip: '127.0.0.1' })).toBe(true);
    expect(reads).toBe(2);
  });
});

/**
 * The data set's hard cases, after every journey: the nightly CRM sync (typos in some emails, records not
 * tied to a login yet), devices shared by two people who both log in, and noise (blocked placeholder ids,
 * events the API rejects).
 */
import type { DemoDraw, Shopper } from './demo-data-shoppers.ts';
import { profileTraits, webContext } from './demo-data-shoppers.ts';
import { PRODUCTS, withTypo } from './demo-data-vocabulary.ts';

/** Emits the CRM sync; returns how many records carry a typo in their email. */
export function emitCrmSync(draw: DemoDraw, shoppers: Shopper[]): number {
  const { rnd, chance, end, emit } = draw;
  // CRM: a nightly sync; some records have a typo in the email, some are not yet tied to a login.
  let crmTypos = 0;
  const sync = end - 2 * 3_600_000;
  for (const s of shoppers) {
    if (!s.crmId) continue;
    const typo = chance(0.06);
    if (typo) crmTypos++;
    const email = typo ? withTypo(s.email, rnd) : s.email;
    const known = chance(0.75);
    emit('crm', sync + s.n * 50, {
      type: 'identify',
      ...(known ? { userId: s.userId } : { anonymousId: `crm-${s.crmId}` }),
      traits: {
        email,
        firstName: s.firstName,
        lastName: s.lastName,
        ...(s.phone ? { phone: s.phone } : {}),
        crm_id: s.crmId,
        lifetime_value: Math.round(rnd() * 2000),
      },
      // The CRM also holds the social handle the shop's community team recorded.
      context: {
        externalIds: [
          { id: s.crmId, type: 'crm_id', collection: 'users', encoding: 'none' },
          ...(s.handle ? [{ id: s.handle.id, type: s.handle.type, collection: 'users', encoding: 'none' }] : []),
        ],
      },
    });
  }
  return crmTypos;
}

/** Emits the shared devices; returns how many there are. */
export function emitSharedDevices(draw: DemoDraw, shoppers: Shopper[]): number {
  const { rnd, start, end, emit } = draw;
  // Shared devices: a family tablet (web) and a shared phone (app), each used by two people who log in.
  let sharedDevices = 0;
  for (let i = 0; i + 1 < shoppers.length; i += 97) {
    const a = shoppers[i] as Shopper;
    const b = shoppers[i + 1] as Shopper;
    const at = start + rnd() * (end - start) * 0.9;
    sharedDevices++;
    if (sharedDevices % 2 === 1) {
      const anonymousId = `family-tablet-${sharedDevices}`;
      emit('web', at, { type: 'page', anonymousId, name: 'Shop', context: webContext('/') });
      emit('web', at + 60_000, {
        type: 'identify',
        anonymousId,
        userId: a.userId,
        traits: profileTraits(a),
        context: webContext('/account'),
      });
      emit('web', at + 3_600_000, { type: 'page', anonymousId, name: 'Shop', context: webContext('/sale') });
      emit('web', at + 3_660_000, {
        type: 'identify',
        anonymousId,
        userId: b.userId,
        traits: profileTraits(b),
        context: webContext('/account'),
      });
    } else {
      const device = { type: 'ios', id: `ios-shared-${sharedDevices}`, model: 'iPad13,4', manufacturer: 'Apple' };
      emit('ios', at, {
        type: 'identify',
        anonymousId: `app-shared-${sharedDevices}`,
        userId: a.userId,
        traits: { email: a.email },
        context: { device },
      });
      emit('ios', at + 7_200_000, {
        type: 'identify',
        anonymousId: `app-shared-${sharedDevices}`,
        userId: b.userId,
        traits: { email: b.email },
        context: { device },
      });
    }
  }
  return sharedDevices;
}

/** Emits blocked placeholder ids and invalid events. */
export function emitNoise(draw: DemoDraw, shoppers: Shopper[]): void {
  const { rnd, pick, hex, start, end, emit } = draw;
  // Noise: placeholder ids the policy blocks, and events the API rejects (kept as warnings).
  for (let i = 0; i < 20; i++) {
    const s = pick(shoppers);
    emit('web', start + rnd() * (end - start), {
      type: 'track',
      userId: s.userId,
      anonymousId: 'undefined',
      event: 'Wishlist Added',
      properties: { product: pick(PRODUCTS) },
    });
    if (i % 4 === 0)
      emit('web', start + rnd() * (end - start), {
        type: 'track',
        anonymousId: `web-${hex(16)}`,
        properties: { note: 'missing event name' },
      });
  }
}

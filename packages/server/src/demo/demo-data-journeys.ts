/**
 * One shopper's own events across the channels: web sessions that end in a login, app screens on one device,
 * newsletter clicks (some landing on a fresh browser with only the email) and social engagement by handle.
 */
import type { DemoDraw, Shopper } from './demo-data-shoppers.ts';
import { profileTraits, webContext } from './demo-data-shoppers.ts';
import { CAMPAIGNS, PAGES, PRODUCTS, SCREENS } from './demo-data-vocabulary.ts';

/** Emits one shopper's web, app, email and social events, in the order their draws are made. */
export function emitShopperJourney(draw: DemoDraw, s: Shopper): void {
  const { rnd, pick, chance, hex, start, end, emit } = draw;
  let t = start + rnd() * (end - start) * 0.85;
  const step = () => (t += 20_000 + rnd() * 600_000);
  // Web: one to three sessions; most end with a login. A returning browser keeps its cookie two times in
  // three (the fresh id is drawn anyway, so the rest of the data set does not depend on this choice).
  const sessions = 1 + Math.floor(rnd() * 3);
  let cookie = '';
  for (let k = 0; k < sessions; k++) {
    const fresh = `web-${hex(16)}`;
    cookie = k > 0 && (s.n + k) % 3 !== 0 ? cookie : fresh;
    const anonymousId = cookie;
    for (let p = 0, pages = 1 + Math.floor(rnd() * 3); p < pages; p++)
      emit('web', step(), { type: 'page', anonymousId, name: 'Shop', context: webContext(pick(PAGES)) });
    if (chance(0.3))
      emit('web', step(), {
        type: 'track',
        anonymousId,
        event: 'Product Viewed',
        properties: { product: pick(PRODUCTS) },
        context: webContext('/products'),
      });
    if (chance(0.7)) {
      emit('web', step(), { type: 'identify', anonymousId, userId: s.userId, traits: profileTraits(s), context: webContext('/account') });
      if (chance(0.35))
        emit('web', step(), {
          type: 'track',
          userId: s.userId,
          anonymousId,
          event: 'Order Completed',
          properties: { total: Math.round(20 + rnd() * 200), currency: 'EUR' },
          context: webContext('/checkout'),
        });
    }
    t += rnd() * 2 * 86_400_000;
  }
  // App: screens on one device, then a login.
  if (s.app) {
    const device = { type: s.app.type, id: s.app.id, model: s.app.model, manufacturer: s.app.type === 'ios' ? 'Apple' : 'Google' };
    const anonymousId = `app-${hex(16)}`;
    const context = { device, app: { name: 'Kin Outdoor', version: '4.2.0' }, os: { name: s.app.type === 'ios' ? 'iOS' : 'Android' } };
    for (let p = 0, screens = 1 + Math.floor(rnd() * 3); p < screens; p++)
      emit(s.app.type, step(), { type: 'screen', anonymousId, name: pick(SCREENS), context });
    emit(s.app.type, step(), {
      type: 'identify',
      anonymousId,
      userId: s.userId,
      traits: { email: s.email, push_opt_in: chance(0.5) },
      context,
    });
    if (chance(0.3))
      emit(s.app.type, step(), {
        type: 'track',
        userId: s.userId,
        anonymousId,
        event: 'Order Completed',
        properties: { total: Math.round(20 + rnd() * 150), currency: 'EUR' },
        context,
      });
  }
  // Email: the ESP reports clicks by email; some clicks land on a fresh browser with only the email.
  if (chance(0.55)) {
    const campaign = { name: pick(CAMPAIGNS), source: 'newsletter', medium: 'email' };
    const link = hex(10);
    emit('email', step(), {
      type: 'track',
      anonymousId: `esp-${hex(12)}`,
      event: 'Email Link Clicked',
      properties: { link: `kin_link=${link}` },
      context: { campaign, traits: { email: s.email } },
    });
    if (chance(0.5)) {
      emit('web', step(), {
        type: 'page',
        anonymousId: `web-${hex(16)}`,
        name: 'Landing',
        context: webContext(`/sale?kin_link=${link}`, { campaign, kin: { link }, traits: { email: s.email } }),
      });
    }
  }
  // Social: engagement by handle; some entered a contest with their email (linking the handle).
  if (s.handle) {
    const externalIds = [{ id: s.handle.id, type: s.handle.type, collection: 'users', encoding: 'none' }];
    const anonymousId = `social-${hex(12)}`;
    emit('social', step(), {
      type: 'track',
      anonymousId,
      event: pick(['Post Liked', 'Story Replied', 'Profile Followed']),
      context: { externalIds },
    });
    if (chance(0.6))
      emit('social', step(), {
        type: 'track',
        anonymousId,
        event: 'Contest Entered',
        context: { externalIds, traits: { email: s.email } },
      });
  }
}

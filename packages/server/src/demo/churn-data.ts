/**
 * A seeded data set that stresses the identity defaults the way real shoppers do over months: cookies
 * churn (every person goes through many anonymous ids: expiring cookies, private windows, new browsers),
 * each person has one to three app devices (a phone replaced, a tablet), CRM rows with the social handle,
 * social engagement by handle, and households whose two people log in on one shared tablet and one
 * shared phone. Every cookie and device eventually sees its owner log in, so a correct resolver ends
 * with exactly one profile per person; only the shared tablet and phone may be refused.
 *
 * Same options, byte-identical output.
 */
import { mulberry32 } from '@kin/core';

/** One event and the source that sends it. */
export interface ChurnEvent {
  source: 'web' | 'ios' | 'android' | 'crm' | 'social';
  event: Record<string, unknown>;
}

/** The generated events and what the checks need to know about them. */
export interface ChurnData {
  events: ChurnEvent[];
  people: number;
  /** The shared tablet cookies, shared phone ids and the phone app's anonymous ids, as `type:value`. */
  sharedIdentifiers: string[];
  /** Message ids of the events sent from a shared tablet or phone. */
  sharedMessageIds: Set<string>;
}

/** Options of `generateChurnData`. */
export interface ChurnOptions {
  seed: number;
  people: number;
  /** Events spread over this many days before `now`. */
  days: number;
  now: Date;
  /** One household of two people sharing a tablet and a phone every `householdEvery` people. */
  householdEvery: number;
}

const DAY = 86_400_000;

/** Generates the data set (see the module comment), sorted by time. */
export function generateChurnData(options: ChurnOptions): ChurnData {
  const rnd = mulberry32(options.seed);
  const hex = (len: number) => Array.from({ length: len }, () => Math.floor(rnd() * 16).toString(16)).join('');
  const end = options.now.getTime();
  const start = end - options.days * DAY;
  const events: ChurnEvent[] = [];
  const sharedMessageIds = new Set<string>();
  const sharedIdentifiers: string[] = [];
  let seq = 0;
  const emit = (source: ChurnEvent['source'], at: number, event: Record<string, unknown>, shared = false): void => {
    const messageId = `churn-${options.seed}-${seq++}`;
    if (shared) sharedMessageIds.add(messageId);
    events.push({ source, event: { ...event, messageId, timestamp: new Date(Math.min(at, end)).toISOString() } });
  };
  const person = (n: number) => ({ userId: `p${n}`, email: `person${n}@shop.example`, handle: `@person_${n}`, crmId: `CRM-${n}` });

  for (let n = 0; n < options.people; n++) {
    const p = person(n);
    // Web: 8 to 40 cookies over the period; each sees one to three visits, and one of them a login.
    const cookies = 8 + Math.floor(rnd() * 33);
    for (let c = 0; c < cookies; c++) {
      const anonymousId = `w-${hex(16)}`;
      let t = start + rnd() * (end - start - DAY);
      const visits = 1 + Math.floor(rnd() * 3);
      const login = Math.floor(rnd() * visits);
      for (let v = 0; v < visits; v++) {
        emit('web', (t += 60_000 + rnd() * 3_600_000), { type: 'page', anonymousId, name: 'Shop' });
        if (v === login) emit('web', (t += 30_000), { type: 'identify', anonymousId, userId: p.userId, traits: { email: p.email } });
      }
    }
    // Apps: one to three devices (a replaced phone, a tablet), each with a fresh install id and a login.
    const devices = 1 + Math.floor(rnd() * 3);
    for (let d = 0; d < devices; d++) {
      const platform = rnd() < 0.5 ? 'ios' : 'android';
      const device = { type: platform, id: `${platform}-${hex(12)}` };
      const anonymousId = `a-${hex(16)}`;
      let t = start + rnd() * (end - start - DAY);
      emit(platform, (t += 60_000), { type: 'screen', anonymousId, name: 'Home', context: { device } });
      emit(platform, (t += 60_000), { type: 'identify', anonymousId, userId: p.userId, traits: { email: p.email }, context: { device } });
    }
    // Social: engagement by handle and a fresh anonymous id, some with a contest entry naming the email.
    const socialAt = start + rnd() * (end - start - DAY);
    const externalIds = [{ id: p.handle, type: 'twitter', collection: 'users', encoding: 'none' }];
    const socialAnonymous = `s-${hex(12)}`;
    emit('social', socialAt, { type: 'track', anonymousId: socialAnonymous, event: 'Post Liked', context: { externalIds } });
    if (rnd() < 0.5)
      emit('social', socialAt + 60_000, {
        type: 'track',
        anonymousId: socialAnonymous,
        event: 'Contest Entered',
        context: { externalIds, traits: { email: p.email } },
      });
    // CRM: one row per person, with the handle.
    emit('crm', end - DAY / 2 + n, {
      type: 'identify',
      userId: p.userId,
      traits: { email: p.email, crm_id: p.crmId },
      context: { externalIds: [{ id: p.crmId, type: 'crm_id', collection: 'users', encoding: 'none' }, ...externalIds] },
    });
  }

  // Households: two people log in, one after the other, on one tablet browser and one phone.
  for (let n = 0; n + 1 < options.people; n += options.householdEvery) {
    const a = person(n);
    const b = person(n + 1);
    const at = start + rnd() * (end - start - DAY);
    const tablet = `family-tablet-${n}`;
    const phone = { type: 'ios', id: `family-phone-${n}` };
    sharedIdentifiers.push(`anonymous_id:${tablet}`, `anonymous_id:family-app-${n}`, `ios.id:${phone.id}`);
    for (const [k, who] of [a, b].entries()) {
      const t = at + k * 3_600_000;
      emit('web', t, { type: 'page', anonymousId: tablet, name: 'Shop' }, true);
      emit('web', t + 60_000, { type: 'identify', anonymousId: tablet, userId: who.userId, traits: { email: who.email } }, true);
      emit('ios', t + 120_000, { type: 'identify', anonymousId: `family-app-${n}`, userId: who.userId, context: { device: phone } }, true);
    }
  }

  events.sort(
    (x, y) =>
      String(x.event['timestamp']).localeCompare(String(y.event['timestamp'])) ||
      String(x.event['messageId']).localeCompare(String(y.event['messageId'])),
  );
  return { events, people: options.people, sharedIdentifiers, sharedMessageIds };
}

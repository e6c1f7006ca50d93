/** Test fixtures for import → match → graph tests, shared by the SQLite and PostgreSQL suites. */
import type { IdentityPolicy, TrackingEvent } from '@kin/core';
import { generatePeople, seededRandom } from '@kin/core/matching/index.ts';
import { normalizerFor } from '../identity/policy-load.ts';
import { applyEvents } from '../pipeline/event-apply.ts';
import type { Store } from '../storage/storage.ts';

/**
 * A CRM export and a social export of partly the same people, with no shared key: names, dates of birth
 * and addresses only. Background people give the unsupervised model enough pairs to learn from. Planted:
 * Robert Smith / Bob Smith (linked), Dan Price and Matt Cole (an initial and a surname only on the social side: review),
 * Ida Quintero (a certain match, for tests that reject it before the run).
 */
export function crmAndSocialFiles(): { crm: string; social: string } {
  const random = seededRandom(7);
  const people = generatePeople({ count: 400, seed: 11, duplicateShare: 0 });
  const streets = ['High St', 'Station Rd', 'Church Lane', 'Park Ave', 'Mill Rd', 'Victoria St', 'Green Lane', 'Kings Rd'];
  const crm = ['id,first_name,last_name,dob,address,city,postcode'];
  const social = ['handle,name,birthday,street,town'];
  people.rows.forEach((row, i) => {
    const [first = '', last = '', dob = '', city = '', postcode = ''] = row;
    const address = `${1 + random.int(200)} ${streets[random.int(streets.length)] ?? 'High St'}`;
    if (i < 300) crm.push([`c${i}`, first, last, dob, address, city, postcode].join(','));
    if (i >= 150)
      social.push([`@s${i}`, `${first} ${last}`, dob, address.replace(/ St$/, ' Street').replace(/ Rd$/, ' Road'), city].join(','));
  });
  crm.push('c-rob,Robert,Smith,1980-05-17,12 Main St,Springfield,62701');
  social.push('@bobsmith,Bob Smith,1980-05-17,12 Main Street,Springfield');
  crm.push('c-jen,Jennifer,Walsh,1975-03-02,5 Oak Ave,Boston,02101');
  social.push('@jenw,J Walsh,,,Boston');
  crm.push('c-tom,Thomas,Hardy,1960-01-01,3 Pine Rd,Leeds,LS1 1AA');
  social.push('@tomh,Tom Harvey,1960-01-01,,Leeds');
  crm.push('c-kat,Katherine,Moore,1988-07-21,44 Bay St,Hull,HU1 2BB');
  social.push('@katem,Kate Moore,,,Bath');
  crm.push('c-dan,Daniel,Price,1990-10-10,8 Ash Rd,York,YO1 7HH');
  social.push('@danp,D. Price,,,');
  crm.push('c-mat,Matthew,Cole,1972-04-04,9 Elm St,Derby,DE1 1AA');
  social.push('@mattc,M. Cole,,,');
  crm.push('c-ida,Ida,Quintero,1969-11-30,77 Harbour Rd,Whitby,YO21 3PU');
  social.push('@idaq,Ida Quintero,1969-11-30,77 Harbour Road,Whitby');
  return { crm: crm.join('\n') + '\n', social: social.join('\n') + '\n' };
}

/** The mapping of the social file (its handle column is a Twitter handle). */
export const SOCIAL_MAPPING = { handle: 'twitter' } as const;

/** The person traits of two profiles the engine links with certainty (identical in every field). */
export const TWIN_TRAITS = {
  first_name: 'Zachary',
  last_name: 'Quill',
  date_of_birth: '1985-09-09',
  address: '1 Quay St',
  city: 'Leeds',
  postcode: 'LS2 9JT',
};
/** Generated people (about a third typo'd duplicates of earlier ones) as identify calls with person traits, rows `from`…`from + count`. */
export function personArrivals(from: number, count: number, at: string): TrackingEvent[] {
  const people = generatePeople({ count: from + count, seed: 11 });
  const col = (row: readonly string[], name: string): string => row[people.headers.indexOf(name)] ?? '';
  return people.rows.slice(from).map((row, k) => ({
    type: 'identify',
    messageId: `m${from + k}`,
    anonymousId: `anon-${from + k}`,
    timestamp: at,
    receivedAt: at,
    traits: { firstName: col(row, 'first_name'), lastName: col(row, 'last_name'), birthday: col(row, 'dob'), city: col(row, 'city') },
  })) as TrackingEvent[];
}

/** Applies events through the write path of source `web`, 100 per transaction. */
export async function applyInChunks(store: Store, events: TrackingEvent[], policy: IdentityPolicy): Promise<void> {
  const deps = { policy, normalize: normalizerFor(policy) };
  for (let i = 0; i < events.length; i += 100) await store.transaction((tx) => applyEvents(tx, 'web', events.slice(i, i + 100), deps));
}

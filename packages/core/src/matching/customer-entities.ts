/**
 * The people and organisations behind customer-generator.ts's records: households sharing a surname, an
 * address, a landline and sometimes an email, fathers and sons told apart only by Jr/Sr, and small businesses
 * registered at home. Drawn from a seeded random source, so the same seed gives the same entities.
 */
import type { SeededRandom } from './seeded-random.ts';

const GIVEN = (
  'james john robert michael william david richard joseph thomas charles christopher daniel matthew anthony ' +
  'steven andrew kenneth timothy edward jonathan nicholas samuel patrick peter henry walter gregory ' +
  'mary patricia jennifer elizabeth susan jessica margaret emily rebecca katherine victoria judith ' +
  'laura sarah karen helen anna ruth alice olivia grace chloe amy lucy sophie hannah'
).split(' ');
const FEMALE_FROM = GIVEN.indexOf('mary');
const SURNAMES = (
  'smith jones williams taylor brown davies evans wilson thomas johnson roberts robinson thompson wright walker ' +
  'white edwards hughes green hall lewis harris clarke patel jackson wood turner martin cooper hill ward morris ' +
  'moore clark lee king baker harrison morgan allen james scott phillips watson davis parker price bennett young ' +
  'griffiths mitchell kelly cook carter richardson bailey collins bell shaw murphy miller cox richards khan ' +
  'marshall anderson simpson ellis adams singh begum wilkinson foster chapman powell webb rogers gray mason ali ' +
  'hunt hussain campbell matthews owen palmer holmes mills barnes knight lloyd butler russell barker fisher stevens'
).split(' ');
/** Street names, types (long and short) and cities (long and short): what an address is rendered from. */
export const STREETS = 'high church station victoria park green manor mill kings queens new school london york grange windsor'.split(' ');
export const STREET_TYPES: readonly (readonly [string, string])[] = [
  ['Street', 'St'],
  ['Road', 'Rd'],
  ['Lane', 'Ln'],
  ['Avenue', 'Ave'],
  ['Close', 'Close'],
  ['Drive', 'Dr'],
];
export const CITIES: readonly (readonly [string, string])[] = [
  ['London', 'LDN'],
  ['Manchester', 'Manchester'],
  ['Leeds', 'Leeds'],
  ['Bristol', 'Bristol'],
  ['Sheffield', 'Sheffield'],
  ['Saint Albans', 'St Albans'],
  ['Newcastle upon Tyne', 'Newcastle'],
  ['York', 'York'],
  ['Norwich', 'Norwich'],
];
const DOMAINS = ['gmail.com', 'outlook.com', 'yahoo.co.uk', 'hotmail.com', 'icloud.com'];
const TRADES = ['Plumbing', 'Builders', 'Consulting', 'Cafe', 'Motors', 'Florist', 'Accountants'];

/** An address as drawn: indexes into the street and city lists. */
export interface Address {
  readonly number: number;
  readonly street: number;
  readonly type: number;
  readonly unit: number;
  readonly city: number;
  readonly postcode: string;
}

/** One person or organisation. */
export interface Entity {
  readonly kind: 'person' | 'organisation';
  readonly first: string;
  readonly last: string;
  readonly suffix: string;
  readonly dob: readonly [number, number, number];
  readonly emails: readonly string[];
  readonly phones: readonly string[];
  readonly addresses: readonly Address[];
  readonly account: string;
  readonly company: string;
}

/** One element of `list`, drawn from `random`. */
export const pick = <T>(random: SeededRandom, list: readonly T[]): T => list[random.int(list.length)] as T;

function mobile(random: SeededRandom): string {
  return `07${String(100_000_000 + random.int(900_000_000))}`;
}

function newAddress(random: SeededRandom): Address {
  const city = random.int(CITIES.length);
  const code = (CITIES[city]?.[0] ?? 'LN').slice(0, 2).toUpperCase();
  const postcode = `${code}${1 + random.int(19)} ${random.int(10)}${String.fromCharCode(65 + random.int(26))}${String.fromCharCode(65 + random.int(26))}`;
  return {
    number: 1 + random.int(180),
    street: random.int(STREETS.length),
    type: random.int(STREET_TYPES.length),
    unit: random.next() < 0.2 ? 1 + random.int(12) : 0,
    city,
    postcode,
  };
}

/** People in households (shared surname, address, landline, sometimes email), plus organisations. */
export function entities(random: SeededRandom, count: number): Entity[] {
  const out: Entity[] = [];
  while (out.length < count) {
    const last = SURNAMES[Math.min(SURNAMES.length - 1, Math.floor(random.next() ** 2 * SURNAMES.length))] ?? 'smith';
    const home = newAddress(random);
    const landline = random.next() < 0.6 ? `01${String(100_000_000 + random.int(900_000_000))}` : undefined;
    const familyEmail = random.next() < 0.25 ? `${last}family${random.int(100)}@${pick(random, DOMAINS)}` : undefined;
    const size = Math.min(count - out.length, random.next() < 0.5 ? 1 : 2 + random.int(3));
    const baseYear = 1945 + random.int(45);
    for (let m = 0; m < size; m++) {
      const female = random.next() < 0.5;
      const father = out.length > 0 && m > 0 && random.next() < 0.3 ? out[out.length - m] : undefined;
      const junior = father !== undefined && father.kind === 'person' && !GIVEN.slice(FEMALE_FROM).includes(father.first);
      const first = junior
        ? father.first
        : female
          ? (GIVEN[FEMALE_FROM + random.int(GIVEN.length - FEMALE_FROM)] ?? 'mary')
          : (GIVEN[random.int(FEMALE_FROM)] ?? 'john');
      const year = m === 0 || random.next() < 0.4 ? baseYear + random.int(4) : baseYear + 22 + random.int(12);
      const dob: [number, number, number] = [year, 1 + random.int(12), 1 + random.int(28)];
      const own = `${first}${random.next() < 0.5 ? '.' : ''}${last}${random.next() < 0.5 ? String(random.int(100)) : ''}@${pick(random, DOMAINS)}`;
      const emails = [
        own,
        ...(random.next() < 0.2 ? [`${first[0] ?? 'x'}${last}@work${random.int(50)}.co.uk`] : []),
        ...(familyEmail !== undefined ? [familyEmail] : []),
      ];
      const phones = [mobile(random), ...(landline !== undefined ? [landline] : [])];
      const addresses = random.next() < 0.3 ? [home, newAddress(random)] : [home];
      const suffix = junior ? 'Jr' : '';
      if (junior && father !== undefined) out[out.length - m] = { ...father, suffix: 'Sr' };
      out.push({
        kind: 'person',
        first,
        last,
        suffix,
        dob,
        emails,
        phones,
        addresses,
        account: `AC${100_000 + random.int(900_000)}`,
        company: '',
      });
    }
    // Some households run a small business registered at home.
    if (out.length < count && random.next() < 0.12) {
      const company = `${last.charAt(0).toUpperCase()}${last.slice(1)} ${pick(random, TRADES)}`;
      out.push({
        kind: 'organisation',
        first: '',
        last,
        suffix: '',
        dob: [0, 0, 0],
        emails: [`info@${last}${random.int(100)}.co.uk`],
        phones: [landline ?? mobile(random)],
        addresses: [home],
        account: `AC${100_000 + random.int(900_000)}`,
        company,
      });
    }
  }
  return out;
}

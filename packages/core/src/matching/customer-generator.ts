/**
 * A seeded generator of small, sparse, multi-source customer files with ground truth: what a CRM
 * export, a newsletter list, a social-contacts file, a billing system and a watch list look like when
 * concatenated. Each record carries a different subset of name (split or full-name-only), date of
 * birth, email, phone, address and account number, with typos, nicknames and initials, day/month
 * swaps and off-by-one years, moved addresses, households sharing a phone, address and sometimes an
 * email, fathers and sons told apart only by Jr/Sr, and organisations sharing an owner's address.
 * Records of one person are linked through chains of partial overlaps (A shares a phone with B,
 * B an address with D, …); each record is given at least one kind of field that another record of its
 * person has, so most people form such a chain. Same options → byte-identical output.
 */
import { nicknameVariants } from './nickname-table.ts';
import { seededRandom, type SeededRandom } from './seeded-random.ts';
import type { Address, Entity } from './customer-entities.ts';
import { CITIES, entities, pick, STREET_TYPES, STREETS } from './customer-entities.ts';

/** Options of {@link generateCustomers}. */
export interface GenerateCustomersOptions {
  /** Number of people and organisations (records are about 2.2 × this). */
  readonly entities: number;
  readonly seed?: number;
}

/** Generated rows (strings, '' = missing), the entity and source of each row. */
export interface GeneratedCustomers {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly entity: readonly number[];
  readonly source: readonly string[];
}

/** Column order of the generated table. */
export const CUSTOMER_HEADERS = [
  'first_name',
  'last_name',
  'name',
  'company',
  'dob',
  'email',
  'phone',
  'address',
  'city',
  'postcode',
  'account_id',
] as const;
type Field = (typeof CUSTOMER_HEADERS)[number];

const ORG_SUFFIXES = ['Ltd', 'Limited', 'Ltd.', '& Sons', 'LLP'];

/** Sources and the fields each typically exports (a record then loses some of them). */
const SOURCES: readonly { readonly name: string; readonly fields: readonly Field[]; readonly fullName: boolean }[] = [
  { name: 'crm', fields: ['first_name', 'last_name', 'email', 'phone', 'address', 'city', 'postcode', 'account_id'], fullName: false },
  { name: 'newsletter', fields: ['name', 'email'], fullName: true },
  { name: 'social', fields: ['name', 'email', 'phone', 'city'], fullName: true },
  { name: 'billing', fields: ['name', 'address', 'postcode', 'account_id', 'dob'], fullName: true },
  { name: 'support', fields: ['first_name', 'last_name', 'phone', 'email', 'dob'], fullName: false },
  { name: 'watchlist', fields: ['name', 'dob', 'city'], fullName: true },
];

const pad = (n: number): string => String(n).padStart(2, '0');

function typo(random: SeededRandom, s: string): string {
  if (s.length < 3) return s;
  const at = 1 + random.int(s.length - 1);
  const letter = String.fromCharCode(97 + random.int(26));
  const kind = random.int(3);
  if (kind === 0) return s.slice(0, at) + letter + s.slice(at + 1);
  if (kind === 1) return s.slice(0, at) + s.slice(at + 1);
  return s.slice(0, at) + letter + s.slice(at);
}

const title = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

function givenName(random: SeededRandom, first: string): string {
  const r = random.next();
  if (r < 0.2) {
    const variants = nicknameVariants(first);
    if (variants.length > 0) return title(pick(random, variants));
  }
  if (r < 0.27) return `${first.charAt(0).toUpperCase()}.`;
  if (r < 0.35) return title(typo(random, first));
  return r < 0.9 ? title(first) : first.toUpperCase();
}

function formatAddress(random: SeededRandom, a: Address): string {
  const [long, short] = STREET_TYPES[a.type] ?? ['Street', 'St'];
  const street = `${a.number} ${title(STREETS[a.street] ?? 'high')} ${random.next() < 0.5 ? long : short}`;
  const s = random.next() < 0.1 ? typo(random, street) : street;
  if (a.unit === 0) return s;
  return pick(random, [`Flat ${a.unit}, ${s}`, `${s}, Apt ${a.unit}`, `${s} #${a.unit}`, `Unit ${a.unit} ${s}`]);
}

function formatDob(random: SeededRandom, [y, m, d]: readonly [number, number, number]): string {
  const r = random.next();
  if (r < 0.05 && d <= 12) return `${y}-${pad(d)}-${pad(m)}`; // day/month swapped at entry
  if (r < 0.1) return `${y + (random.next() < 0.5 ? 1 : -1)}-${pad(m)}-${pad(d)}`;
  if (r < 0.4) return `${pad(d)}/${pad(m)}/${y}`;
  return `${y}-${pad(m)}-${pad(d)}`;
}

function formatPhone(random: SeededRandom, phone: string): string {
  const r = random.next();
  if (r < 0.3) return `+44 ${phone.slice(1, 5)} ${phone.slice(5)}`;
  if (r < 0.5) return `${phone.slice(0, 5)} ${phone.slice(5)}`;
  return phone;
}

/** The cell values of one record of an entity, from the chosen fields. */
function render(random: SeededRandom, e: Entity, fields: ReadonlySet<Field>, fullName: boolean): Partial<Record<Field, string>> {
  const out: Partial<Record<Field, string>> = {};
  const address = e.addresses.length > 1 && random.next() < 0.5 ? e.addresses[1] : e.addresses[0];
  if (e.kind === 'organisation') {
    const name = `${e.company}${random.next() < 0.7 ? ` ${pick(random, ORG_SUFFIXES)}` : ''}`;
    if (fullName) out.name = name;
    else out.company = name;
  } else if (fullName) {
    const given = givenName(random, e.first);
    const suffix = e.suffix === '' || random.next() < 0.15 ? '' : ` ${random.next() < 0.5 ? e.suffix : `${e.suffix}.`}`;
    const last = random.next() < 0.1 ? typo(random, e.last) : e.last;
    out.name = random.next() < 0.2 ? `${title(last)}, ${given}${suffix}` : `${given} ${title(last)}${suffix}`;
  } else {
    out.first_name = givenName(random, e.first);
    const last = random.next() < 0.1 ? typo(random, e.last) : e.last;
    out.last_name = `${title(last)}${e.suffix !== '' && random.next() < 0.85 ? ` ${e.suffix}` : ''}`;
  }
  if (fields.has('dob') && e.kind === 'person') out.dob = formatDob(random, e.dob);
  if (fields.has('email')) out.email = random.next() < 0.1 ? (pick(random, e.emails) ?? '').toUpperCase() : pick(random, e.emails);
  if (fields.has('phone')) out.phone = formatPhone(random, pick(random, e.phones));
  if (address !== undefined) {
    if (fields.has('address')) out.address = formatAddress(random, address);
    if (fields.has('city')) out.city = (CITIES[address.city] ?? ['London', 'LDN'])[random.next() < 0.3 ? 1 : 0];
    if (fields.has('postcode')) out.postcode = random.next() < 0.3 ? address.postcode.replace(' ', '').toLowerCase() : address.postcode;
  }
  if (fields.has('account_id')) out.account_id = e.account;
  return out;
}

const IDENTIFYING: readonly Field[] = ['dob', 'email', 'phone', 'address', 'postcode', 'account_id'];

/** Generates the records of `entities` people and organisations; deterministic for a seed. */
export function generateCustomers(options: GenerateCustomersOptions): GeneratedCustomers {
  const random = seededRandom(options.seed ?? 19);
  const all = entities(random, options.entities);
  const rows: string[][] = [];
  const entity: number[] = [];
  const source: string[] = [];
  all.forEach((e, id) => {
    const r = random.next();
    const count = r < 0.25 ? 1 : r < 0.55 ? 2 : r < 0.8 ? 3 : 4;
    const taken: Set<Field>[] = [];
    for (let k = 0; k < count; k++) {
      const src = pick(random, SOURCES);
      // Sparse: each exported field is present with probability 0.6; at least one besides the name.
      const fields = new Set(src.fields.filter((f) => IDENTIFYING.includes(f) && random.next() < 0.6));
      if (fields.size === 0)
        fields.add(
          pick(
            random,
            src.fields.filter((f) => IDENTIFYING.includes(f)),
          ),
        );
      // Why: a record sharing nothing but a (common) name with its person's other records is
      // unlinkable even for an analyst; borrow one field an earlier record has, so chains exist.
      const previous = taken.length > 0 ? taken[random.int(taken.length)] : undefined;
      if (previous !== undefined && ![...fields].some((f) => previous.has(f))) {
        const shared = [...previous].filter((f) => IDENTIFYING.includes(f));
        if (shared.length > 0) fields.add(pick(random, shared));
      }
      taken.push(fields);
      const values = render(random, e, fields, src.fullName);
      rows.push(CUSTOMER_HEADERS.map((h) => values[h] ?? ''));
      entity.push(id);
      source.push(src.name);
    }
  });
  return { headers: CUSTOMER_HEADERS, rows, entity, source };
}

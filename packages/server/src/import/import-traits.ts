/**
 * Where an imported person attribute lands among the traits: the tracking spec's reserved identify traits
 * (Segment's: `firstName`, `lastName`, `name`, `birthday`, `title`, `address.city`, `address.postalCode`,
 * `company.name`…), so a CRM row and a web `identify` fill the same keys instead of `first_name` beside
 * `firstName`. Attributes the spec has no name for get a camelCase key in the same style.
 */
import type { AttributeRole } from '@kin/core/matching/index.ts';

/** The trait path of each attribute role (a dot means a key inside an object trait). */
export const ATTRIBUTE_TRAITS: Readonly<Record<AttributeRole, string>> = {
  first_name: 'firstName',
  middle_name: 'middleName',
  last_name: 'lastName',
  full_name: 'name',
  date_of_birth: 'birthday',
  birth_year: 'birthYear',
  birth_month: 'birthMonth',
  birth_day: 'birthDay',
  address: 'address.street',
  address_1: 'address.street',
  address_2: 'address.street2',
  street_number: 'address.streetNumber',
  city: 'address.city',
  state: 'address.state',
  postcode: 'address.postalCode',
  country: 'address.country',
  gender: 'gender',
  occupation: 'title',
  company: 'company.name',
};

/** Header names (normalised) that are spec trait names read as plain traits, with their key. */
const SPEC_TRAITS: Readonly<Record<string, string>> = {
  age: 'age',
  avatar: 'avatar',
  created_at: 'createdAt',
  createdat: 'createdAt',
  description: 'description',
  title: 'title',
  username: 'username',
  user_name: 'username',
};

/** The spec trait key of a plain trait column (`created_at` → `createdAt`), or the column's own key. */
export function plainTraitKey(normalised: string): string {
  return SPEC_TRAITS[normalised] ?? normalised;
}

/** The spec trait key of a header when it names one (for columns the matcher has no role for). */
export function specTraitOf(normalised: string): string | undefined {
  return SPEC_TRAITS[normalised];
}

/**
 * Sets `path` in `traits`; a second value for the same path is appended after a space (two name
 * columns, `address_1` and `address`). Object traits are built with own properties only.
 */
export function setTraitPath(traits: Record<string, unknown>, path: string, value: string): void {
  const dot = path.indexOf('.');
  let target = traits;
  let key = path;
  if (dot !== -1) {
    const head = path.slice(0, dot);
    key = path.slice(dot + 1);
    const existing = Object.hasOwn(traits, head) ? traits[head] : undefined;
    if (existing !== null && typeof existing === 'object' && !Array.isArray(existing)) target = existing as Record<string, unknown>;
    else {
      target = {};
      Object.defineProperty(traits, head, { value: target, enumerable: true, writable: true, configurable: true });
    }
  }
  const prior = Object.hasOwn(target, key) ? target[key] : undefined;
  Object.defineProperty(target, key, {
    value: typeof prior === 'string' ? `${prior} ${value}` : value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

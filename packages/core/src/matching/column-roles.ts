/**
 * Column roles: which header means "first name", which is an email, which is a record id to ignore.
 * Detection is by header name only (case-insensitive); a mapping (column → role) overrides it.
 */

/** Attributes that describe a person or organisation and are compared fuzzily. */
export const ATTRIBUTE_ROLES = [
  'first_name',
  'middle_name',
  'last_name',
  'full_name',
  'date_of_birth',
  'birth_year',
  'birth_month',
  'birth_day',
  'address',
  'address_1',
  'address_2',
  'street_number',
  'city',
  'state',
  'postcode',
  'country',
  'gender',
  'occupation',
  'company',
] as const;

/** One of {@link ATTRIBUTE_ROLES}. */
export type AttributeRole = (typeof ATTRIBUTE_ROLES)[number];

/** What a column means to the matcher. */
export type ColumnRole =
  | { readonly kind: 'attribute'; readonly role: AttributeRole }
  | { readonly kind: 'identifier'; readonly type: string }
  | { readonly kind: 'ignore' };

/** Roles by column name, in header order. */
export type ColumnRoles = Readonly<Record<string, ColumnRole>>;

/** The columns that hold this attribute role, in the roles' order. */
export function columnsWithRole(roles: ColumnRoles, role: AttributeRole): string[] {
  return Object.keys(roles).filter((c) => {
    const r = roles[c];
    return r?.kind === 'attribute' && r.role === role;
  });
}

const ATTRIBUTE_ALIASES: Readonly<Record<AttributeRole, readonly string[]>> = {
  first_name: ['first_name', 'firstname', 'given_name', 'givenname', 'fname', 'forename', 'first', 'given'],
  middle_name: ['middle_name', 'middlename', 'mname', 'middle', 'middle_initial'],
  last_name: ['last_name', 'lastname', 'surname', 'lname', 'family_name', 'familyname', 'last'],
  full_name: ['name', 'full_name', 'fullname', 'customer_name', 'contact_name', 'person_name', 'display_name'],
  date_of_birth: ['dob', 'date_of_birth', 'dateofbirth', 'birth_date', 'birthdate', 'birthday', 'born'],
  birth_year: ['by', 'birth_year', 'yob', 'year_of_birth', 'byear'],
  birth_month: ['bm', 'birth_month', 'mob', 'month_of_birth', 'bmonth'],
  birth_day: ['bd', 'birth_day', 'day_of_birth', 'bday'],
  address: ['address', 'street_address', 'addr', 'street', 'address_line', 'full_address', 'mailing_address'],
  address_1: ['address_1', 'address1', 'address_line_1', 'addressline1', 'addr1', 'street_1', 'line1', 'line_1'],
  address_2: ['address_2', 'address2', 'address_line_2', 'addressline2', 'addr2', 'street_2', 'line2', 'line_2'],
  street_number: ['street_number', 'street_no', 'house_number', 'house_no', 'building_number'],
  city: ['city', 'suburb', 'town', 'locality', 'municipality'],
  state: ['state', 'province', 'region', 'county', 'state_code'],
  postcode: ['postcode', 'post_code', 'zip', 'zipcode', 'zip_code', 'postal_code', 'postalcode'],
  country: ['country', 'country_code', 'nation'],
  gender: ['gender', 'sex'],
  occupation: ['occupation', 'job', 'job_title', 'profession'],
  company: ['company', 'company_name', 'organisation', 'organization', 'org_name', 'employer', 'business', 'business_name'],
};

const IDENTIFIER_ALIASES: Readonly<Record<string, readonly string[]>> = {
  email: ['email', 'e_mail', 'email_address', 'emailaddress', 'mail'],
  phone: ['phone', 'telephone', 'tel', 'mobile', 'cell', 'phone_number', 'phonenumber', 'mobile_phone', 'home_phone', 'work_phone', 'fax'],
  twitter: ['twitter', 'twitter_handle'],
  ssn: ['ssn', 'soc_sec_id', 'social_security_number', 'national_id', 'nino'],
  website: ['website', 'url', 'homepage', 'web'],
};

/**
 * Words naming an organisation. Alone they are the organisation's name (`Company`, `Organisation`);
 * with a `_name` suffix too (`Site name`, `Agency name`). Words that alone more often mean something
 * else (`site` = a web site, `agency` = the parent body, `account` = an id) count only with the suffix.
 */
const ORGANISATION_WORDS = [
  'organisation',
  'organization',
  'company',
  'business',
  'firm',
  'employer',
  'institution',
  'vendor',
  'supplier',
  'merchant',
];
const ORGANISATION_WORDS_WITH_NAME = [
  ...ORGANISATION_WORDS,
  'org',
  'site',
  'agency',
  'store',
  'shop',
  'school',
  'facility',
  'practice',
  'provider',
  'clinic',
  'account',
  'venue',
  'centre',
  'center',
  'trading',
  'legal',
  'registered',
];
const ORGANISATION_HEADER = new RegExp(`^(?:(?:${ORGANISATION_WORDS.join('|')})|(?:${ORGANISATION_WORDS_WITH_NAME.join('|')})_?name)$`);

/** Roles that only a person has: with none of them, a bare `name` column is read as an organisation. */
const PERSON_ROLES: ReadonlySet<AttributeRole> = new Set([
  'first_name',
  'middle_name',
  'last_name',
  'date_of_birth',
  'birth_year',
  'birth_month',
  'birth_day',
  'gender',
]);

/** Per-row keys: unique per record, so they carry no evidence about other records. */
const RECORD_KEYS = new Set(['id', 'rec_id', 'record_id', 'unique_id', 'uid', 'row_id', 'row', 'index', 'key', 'pk']);

const LOOKUP: ReadonlyMap<string, ColumnRole> = (() => {
  const map = new Map<string, ColumnRole>();
  for (const [role, aliases] of Object.entries(ATTRIBUTE_ALIASES)) {
    for (const alias of aliases) map.set(alias, { kind: 'attribute', role: role as AttributeRole });
  }
  for (const [type, aliases] of Object.entries(IDENTIFIER_ALIASES)) {
    for (const alias of aliases) map.set(alias, { kind: 'identifier', type: type === 'phone' && alias === 'fax' ? 'fax' : type });
  }
  return map;
})();

/** Lower-case, non-alphanumerics to `_`, trimmed: `"Date of Birth"` → `date_of_birth`. */
export function normaliseHeader(header: string): string {
  return header
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** Detects one header's role, or `ignore` when it is unknown. */
export function detectColumnRole(header: string): ColumnRole {
  const h = normaliseHeader(header);
  if (RECORD_KEYS.has(h)) return { kind: 'ignore' };
  const direct = LOOKUP.get(h);
  if (direct !== undefined) return direct;
  if (ORGANISATION_HEADER.test(h)) return { kind: 'attribute', role: 'company' };
  // Name components such as RLdata's fname_c1 / fname_c2 / lname_c1.
  const component = /^(.*?)_?c?(\d)$/.exec(h);
  if (component !== null) {
    const base = LOOKUP.get(component[1] ?? '');
    if (base?.kind === 'attribute') {
      if (base.role === 'first_name') return component[2] === '1' ? base : { kind: 'attribute', role: 'middle_name' };
      if (base.role === 'last_name' || base.role === 'middle_name') return base;
    }
  }
  if (/_id$/.test(h)) return { kind: 'identifier', type: h };
  return { kind: 'ignore' };
}

function roleFromMapping(value: string): ColumnRole {
  const v = normaliseHeader(value);
  if (v === 'ignore') return { kind: 'ignore' };
  if ((ATTRIBUTE_ROLES as readonly string[]).includes(v)) return { kind: 'attribute', role: v as AttributeRole };
  return { kind: 'identifier', type: v };
}

/**
 * Roles of every header: the mapping (column → role name, matched case-insensitively) wins,
 * otherwise detection by header name. Unknown columns are ignored rather than guessed at.
 */
export function detectColumnRoles(headers: readonly string[], mapping?: Readonly<Record<string, string>>): ColumnRoles {
  const byLower = new Map<string, string>();
  for (const [column, role] of Object.entries(mapping ?? {})) byLower.set(column.toLowerCase(), role);
  const roles: Record<string, ColumnRole> = {};
  for (const header of headers) {
    const mapped = byLower.get(header.toLowerCase());
    roles[header] = mapped !== undefined ? roleFromMapping(mapped) : detectColumnRole(header);
  }
  // A bare `name` beside no person-only column (no first/last name, birth date or gender) but with
  // an organisation cue (another organisation column, a website or a fax) names an organisation.
  const isRole = (r: ColumnRole | undefined, test: (role: AttributeRole) => boolean): boolean => r?.kind === 'attribute' && test(r.role);
  const all = Object.values(roles);
  const person = all.some((r) => isRole(r, (role) => PERSON_ROLES.has(role)));
  const organisationCue = all.some(
    (r) => isRole(r, (role) => role === 'company') || (r.kind === 'identifier' && (r.type === 'website' || r.type === 'fax')),
  );
  if (!person && organisationCue) {
    for (const header of headers) {
      if (byLower.has(header.toLowerCase()) || normaliseHeader(header) !== 'name') continue;
      roles[header] = { kind: 'attribute', role: 'company' };
    }
  }
  return roles;
}

/** Identifier types the matcher knows by name; other identifier roles must look like one (`crm_id`, `account_no`). */
const KNOWN_IDENTIFIER_TYPES = new Set([...Object.keys(IDENTIFIER_ALIASES), 'fax']);

/**
 * Problems of a mapping (column → role) for these headers, as messages naming the column: a column
 * the file does not have, or a role that is neither an attribute, `ignore`, a known identifier type nor
 * an identifier-like name (ending in `id`, `_no` or `_number`). Empty when the mapping is usable.
 */
export function mappingProblems(mapping: Readonly<Record<string, string>>, headers: readonly string[]): string[] {
  const present = new Set(headers.map((h) => h.toLowerCase()));
  const problems: string[] = [];
  for (const [column, role] of Object.entries(mapping)) {
    if (!present.has(column.toLowerCase())) problems.push(`column "${column}" is not in the file (columns: ${headers.join(', ')})`);
    const r = normaliseHeader(role);
    const known =
      r === 'ignore' ||
      (ATTRIBUTE_ROLES as readonly string[]).includes(r) ||
      KNOWN_IDENTIFIER_TYPES.has(r) ||
      /(^|_)(id|no|number)$/.test(r);
    if (!known)
      problems.push(
        `column "${column}": unknown role "${role}" (one of ${ATTRIBUTE_ROLES.join(', ')}, ignore, email, phone, or an identifier type ending in _id)`,
      );
  }
  return problems;
}

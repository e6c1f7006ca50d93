/**
 * Live profiles as match records: person traits (as `kin import` names them, or as Segment SDKs do:
 * `firstName`, `birthday`, `postalCode`…) become one column per role, so the engine compares like with
 * like. A full name is split into first and last name when those are missing, so a CRM's "Robert" /
 * "Smith" and a social "Bob Smith" meet on the same fields.
 */
import {
  createRecordNormaliser,
  type ColumnRole,
  type ColumnRoles,
  type MatchRecord,
  type RecordNormaliser,
} from '@kin/core/matching/index.ts';
import { createHash } from 'node:crypto';
import type { MatchingStore, TraitProfile } from '../storage/matching-store.ts';

/** Match column → trait keys read for it, best first. */
const COLUMNS: ReadonlyArray<readonly [string, ColumnRole, readonly string[]]> = [
  ['first_name', { kind: 'attribute', role: 'first_name' }, ['first_name', 'firstName']],
  ['middle_name', { kind: 'attribute', role: 'middle_name' }, ['middle_name', 'middleName']],
  ['last_name', { kind: 'attribute', role: 'last_name' }, ['last_name', 'lastName']],
  ['date_of_birth', { kind: 'attribute', role: 'date_of_birth' }, ['date_of_birth', 'birthday']],
  ['birth_year', { kind: 'attribute', role: 'birth_year' }, ['birth_year', 'birthYear']],
  ['birth_month', { kind: 'attribute', role: 'birth_month' }, ['birth_month', 'birthMonth']],
  ['birth_day', { kind: 'attribute', role: 'birth_day' }, ['birth_day', 'birthDay']],
  ['address', { kind: 'attribute', role: 'address' }, ['address', 'address.street']],
  ['address_1', { kind: 'attribute', role: 'address_1' }, ['address_1']],
  ['address_2', { kind: 'attribute', role: 'address_2' }, ['address_2', 'address.street2']],
  ['street_number', { kind: 'attribute', role: 'street_number' }, ['street_number', 'address.streetNumber']],
  ['city', { kind: 'attribute', role: 'city' }, ['city', 'address.city']],
  ['state', { kind: 'attribute', role: 'state' }, ['state', 'address.state']],
  ['postcode', { kind: 'attribute', role: 'postcode' }, ['postcode', 'postal_code', 'postalCode', 'zip', 'address.postalCode']],
  ['country', { kind: 'attribute', role: 'country' }, ['country', 'address.country']],
  ['gender', { kind: 'attribute', role: 'gender' }, ['gender']],
  ['occupation', { kind: 'attribute', role: 'occupation' }, ['occupation', 'title']],
  ['company', { kind: 'attribute', role: 'company' }, ['company', 'company.name']],
  ['email', { kind: 'identifier', type: 'email' }, ['email']],
  ['phone', { kind: 'identifier', type: 'phone' }, ['phone']],
];
const FULL_NAME_KEYS = ['full_name', 'name'];

/** Every (top-level) trait key matching reads: `address.city` is read from the `address` object (Segment's reserved traits). */
export const MATCH_TRAIT_KEYS: readonly string[] = [
  ...new Set([...COLUMNS.flatMap(([, , keys]) => keys), ...FULL_NAME_KEYS].map((k) => k.split('.')[0] ?? k)),
].sort();

/** Roles of the match columns. */
export const MATCH_ROLES: ColumnRoles = Object.fromEntries(COLUMNS.map(([column, role]) => [column, role]));

/** Normalises match records of these roles (pure: the candidate cache keeps what it makes, match-candidate-cache.ts). */
export const MATCH_NORMALISER: RecordNormaliser = createRecordNormaliser(MATCH_ROLES);

/** A profile's match record, or `undefined` when it holds no person attribute (identifiers alone link exactly, not here). */
export function profileToRecord(profile: TraitProfile, sourceName: (sourceId: string) => string): MatchRecord | undefined {
  const byKey = new Map<string, { value: string; sourceId: string }>();
  const keep = (key: string, value: unknown, sourceId: string): void => {
    if (typeof value === 'string' && value.trim() !== '') byKey.set(key, { value: value.trim(), sourceId });
    else if (typeof value === 'number' && Number.isFinite(value)) byKey.set(key, { value: String(value), sourceId });
  };
  for (const t of profile.traits) {
    if (t.value !== null && typeof t.value === 'object' && !Array.isArray(t.value)) {
      for (const [sub, value] of Object.entries(t.value)) keep(`${t.key}.${sub}`, value, t.sourceId);
    } else keep(t.key, t.value, t.sourceId);
  }
  const values: Record<string, string> = {};
  const used: string[] = [];
  for (const [column, , keys] of COLUMNS) {
    const key = keys.find((k) => byKey.has(k));
    if (key === undefined) continue;
    values[column] = byKey.get(key)?.value ?? '';
    used.push(key);
  }
  const fullKey = FULL_NAME_KEYS.find((k) => byKey.has(k));
  if (fullKey !== undefined && values['first_name'] === undefined && values['last_name'] === undefined) {
    const parts = (byKey.get(fullKey)?.value ?? '').split(/\s+/).filter((p) => p !== '');
    if (parts.length >= 2) {
      values['first_name'] = parts[0] ?? '';
      values['last_name'] = parts[parts.length - 1] ?? '';
    } else if (parts.length === 1) values['last_name'] = parts[0] ?? '';
    used.push(fullKey);
  }
  const attributes = Object.keys(values).filter((c) => c !== 'email' && c !== 'phone');
  if (attributes.length === 0) return undefined;
  // The source that set most of the traits read (ties: the smaller id), for reports and link mode.
  const votes = new Map<string, number>();
  for (const key of used) {
    const sourceId = byKey.get(key)?.sourceId ?? '';
    votes.set(sourceId, (votes.get(sourceId) ?? 0) + 1);
  }
  const [source] = [...votes].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0] ?? [''];
  return { key: matchKey(profile.id, values), source: sourceName(source), values };
}

/**
 * The record key: a hash of the compared values, then the profile id. Why not the profile id alone: the
 * engine orders records by key, and profile ids created in the same millisecond order at random, so the
 * same data would not always give the same links. Ordering by content keeps runs deterministic.
 */
function matchKey(profileId: string, values: Readonly<Record<string, string>>): string {
  const content = Object.keys(values)
    .sort()
    .map((k) => `${k}\u0000${values[k] ?? ''}`)
    .join('\u0001');
  return `${createHash('sha1').update(content).digest('hex').slice(0, 16)}~${profileId}`;
}

/**
 * The content hash of a match record (the first part of its key): equal for two records exactly when their
 * compared values are equal (up to a 64-bit collision). The index stores it beside a profile's keys, so the
 * matcher knows when a record it normalised earlier is still the profile's (match-candidate-cache.ts).
 */
export function recordHashOf(record: MatchRecord): string {
  return record.key.slice(0, record.key.indexOf('~'));
}

/** The profile id of a match record key. */
export function profileIdOfKey(key: string): string {
  return key.slice(key.indexOf('~') + 1);
}

/** Every live profile with person traits, as match records (paged through the store). */
export async function loadMatchRecords(
  matching: MatchingStore,
  sourceName: (sourceId: string) => string,
  pageSize = 5000,
): Promise<MatchRecord[]> {
  const records: MatchRecord[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await matching.scanProfileTraits({
      keys: [...MATCH_TRAIT_KEYS],
      limit: pageSize,
      ...(after !== undefined ? { after } : {}),
    });
    for (const profile of page) {
      const record = profileToRecord(profile, sourceName);
      if (record) records.push(record);
    }
    if (page.length < pageSize) return records;
    after = page[page.length - 1]?.id;
  }
}

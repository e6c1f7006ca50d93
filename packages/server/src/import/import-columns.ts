/**
 * What each column of an import means: a person attribute (kept as a trait), an identifier (linked in
 * the graph), the record id (the row's stable key), a plain trait, or nothing. Detection by header name
 * comes from the matching module (`detectColumnRole`); a mapping file (column → role) overrides it.
 */
import { readFile } from 'node:fs/promises';
import { ATTRIBUTE_ROLES, detectColumnRole, detectColumnRoles, normaliseHeader, type AttributeRole } from '@kin/core/matching/index.ts';
import { ATTRIBUTE_TRAITS, plainTraitKey, specTraitOf } from './import-traits.ts';

/** Spec trait paths as a mapping may name them (`firstName`, `address.postalCode`), normalised → role. */
const ROLE_OF_TRAIT_PATH = new Map(Object.entries(ATTRIBUTE_TRAITS).map(([role, path]) => [normaliseHeader(path), role]));

/** A mapping's role name as the planner reads it: a spec trait path or a header alias (`firstName`, `zip`) becomes its role. */
function mappedRole(value: string): string {
  const v = normaliseHeader(value);
  const fromPath = ROLE_OF_TRAIT_PATH.get(v);
  if (fromPath !== undefined) return fromPath;
  const alias = detectColumnRole(value);
  return alias.kind === 'attribute' ? alias.role : v;
}

/** The role of one import column. */
export type ImportColumnRole =
  | { kind: 'attribute'; role: AttributeRole }
  | { kind: 'identifier'; type: string }
  | { kind: 'record_id' }
  | { kind: 'trait'; key: string }
  | { kind: 'ignore' };

/** Column → role name, as read from a mapping file (`{"Customer No": "record_id", "SSN": "ignore"}`). */
export type ImportMapping = Readonly<Record<string, string>>;

/** Header names (normalised) taken as the record id when no mapping names one, best first. */
const RECORD_ID_NAMES = ['record_id', 'id', 'crm_id', 'rec_id', 'customer_id', 'contact_id'];

/** Roles for any column, cached: CSV has one header, JSON lines may bring new keys on any line. */
export interface ColumnPlanner {
  roleOf(column: string): ImportColumnRole;
  /** The record id column among these columns (mapping first, then by name), or `undefined`. */
  recordIdColumns(columns: readonly string[]): readonly string[];
  /** Columns seen so far that are not imported (no role, not the record id), in the order first seen. */
  ignoredColumns(): string[];
}

/** Builds the planner from an optional mapping. */
export function createColumnPlanner(mapping: ImportMapping = {}): ColumnPlanner {
  const byLower = new Map(Object.entries(mapping).map(([k, v]) => [k.toLowerCase(), mappedRole(v)]));
  const explicitRecordIds = new Set([...byLower].filter(([, v]) => v === 'record_id').map(([k]) => k));
  const cache = new Map<string, ImportColumnRole>();
  const rank = new Map<string, number>();
  const roleOf = (column: string): ImportColumnRole => {
    const hit = cache.get(column);
    if (hit) return hit;
    const mapped = byLower.get(column.toLowerCase());
    let role: ImportColumnRole;
    if (mapped === 'record_id') role = { kind: 'record_id' };
    else if (mapped === 'trait') role = { kind: 'trait', key: plainTraitKey(normaliseHeader(column)) };
    else if (mapped !== undefined && specTraitOf(mapped) !== undefined) role = { kind: 'trait', key: specTraitOf(mapped) ?? mapped };
    else {
      const detected = detectColumnRoles([column], mapped === undefined ? undefined : { [column]: mapped })[column] ?? { kind: 'ignore' };
      role = detected.kind === 'attribute' ? { kind: 'attribute', role: detected.role } : detected;
      // A header that is a spec trait name (`age`, `title`, `created_at`…) is kept under that name.
      const spec = specTraitOf(normaliseHeader(column));
      if (role.kind === 'ignore' && mapped === undefined && spec !== undefined) role = { kind: 'trait', key: spec };
    }
    cache.set(column, role);
    return role;
  };
  const rankOf = (column: string): number => {
    let r = rank.get(column);
    if (r === undefined) {
      if (explicitRecordIds.size > 0) r = explicitRecordIds.has(column.toLowerCase()) ? 0 : -1;
      // A column the mapping gives another role is never the record id by name.
      else
        r =
          byLower.has(column.toLowerCase()) && byLower.get(column.toLowerCase()) !== 'record_id'
            ? -1
            : RECORD_ID_NAMES.indexOf(normaliseHeader(column));
      rank.set(column, r);
    }
    return r;
  };
  return {
    roleOf,
    recordIdColumns(columns) {
      return columns.filter((c) => rankOf(c) >= 0).sort((a, b) => rankOf(a) - rankOf(b));
    },
    ignoredColumns() {
      return [...cache].filter(([column, role]) => role.kind === 'ignore' && rankOf(column) < 0).map(([column]) => column);
    },
  };
}

/** Reads a mapping file: a JSON object of column → role name (a matching role, an identifier type, `record_id`, `trait` or `ignore`). */
export async function loadImportMapping(path: string): Promise<ImportMapping> {
  const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error(`mapping ${path}: expected a JSON object of column -> role`);
  const out: Record<string, string> = {};
  for (const [column, role] of Object.entries(parsed)) {
    if (typeof role !== 'string' || role.trim() === '')
      throw new Error(`mapping ${path}: the role of "${column}" must be a non-empty string`);
    out[column] = role;
  }
  return out;
}

/** Whether a string names an attribute role (for docs and validation). */
export function isAttributeRole(value: string): value is AttributeRole {
  return (ATTRIBUTE_ROLES as readonly string[]).includes(value);
}

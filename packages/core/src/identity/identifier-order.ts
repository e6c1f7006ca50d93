/** Canonical ordering and keys of identifiers, shared by extraction, resolution and the reference graph. */
import type { Identifier, IdentityPolicy } from './identity-types.ts';
import { typePolicy } from './identity-policy.ts';
import { sortInPlace } from './stable-sort.ts';

/** A map key for an identifier (type names cannot contain NUL, so the key is unambiguous). */
export function identifierKey(identifier: Identifier): string {
  return `${identifier.type}\u0000${identifier.value}`;
}

/** Code-unit string comparison: locale-independent, so the order is the same on every machine. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders identifiers by type, then value (the order of the stores' `(type, value)` keys). */
export function compareTypeValue(a: Identifier, b: Identifier): number {
  return compareStrings(a.type, b.type) || compareStrings(a.value, b.value);
}

/** Orders identifiers by priority (1 first), then type, then value. */
export function compareIdentifiers(policy: IdentityPolicy): (a: Identifier, b: Identifier) => number {
  return (a, b) =>
    typePolicy(policy, a.type).priority - typePolicy(policy, b.type).priority ||
    compareStrings(a.type, b.type) ||
    compareStrings(a.value, b.value);
}

/** Sorts and de-duplicates identifiers in the canonical order (returns a new array). */
export function sortIdentifiers(policy: IdentityPolicy, identifiers: readonly Identifier[]): Identifier[] {
  const unique = new Map<string, Identifier>();
  for (const id of identifiers) unique.set(identifierKey(id), { type: id.type, value: id.value });
  return sortInPlace([...unique.values()], compareIdentifiers(policy));
}

/** A person's display name from their traits: first and last name, else `name`, else "". */
export function displayName(traits: Record<string, unknown>): string {
  const parts = [traits['firstName'], traits['lastName']].filter((x): x is string => typeof x === 'string' && x.trim() !== '');
  if (parts.length > 0) return parts.join(' ');
  return typeof traits['name'] === 'string' ? traits['name'] : '';
}

/**
 * `{{trigger.<path>}}` templates (dedupe keys, exit matches) and dotted paths into events. Pure.
 * Why templates fail as values: a trigger without the named property must not send under a key like
 * `cart:` that every cart would share; the caller treats a missing value as "cannot decide".
 */

/** The value at a dotted path (`properties.cart_id`) of a JSON value, or `undefined`. */
export function valueAt(root: unknown, path: string): unknown {
  let current: unknown = root;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** A path's value as text for keys: strings as they are, numbers and booleans printed; else `undefined`. */
export function keyText(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

const PLACEHOLDER = /\{\{\s*([a-zA-Z_][\w.]*)\s*\}\}/g;

/** The paths a template reads (`trigger.properties.cart_id`, …). */
export function templatePaths(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
}

/** Renders a template over `{ trigger }`; `undefined` when a placeholder has no value. */
export function renderTemplate(template: string, scope: Record<string, unknown>): string | undefined {
  let missing = false;
  const out = template.replace(PLACEHOLDER, (_, path: string) => {
    const text = keyText(valueAt(scope, path));
    if (text === undefined) missing = true;
    return text ?? '';
  });
  return missing ? undefined : out;
}

/** Whether an event matches an exit rule's `match` (each path equals its rendered template). */
export function matchesAll(event: unknown, match: Record<string, string> | undefined, scope: Record<string, unknown>): boolean {
  for (const [path, template] of Object.entries(match ?? {})) {
    const want = renderTemplate(template, scope);
    if (want === undefined || keyText(valueAt(event, path)) !== want) return false;
  }
  return true;
}

/**
 * Templates: `{{trigger.<path>}}` in dedupe keys and exit matches, and `{{trigger.<path>}}` or
 * `{{profile.traits.<name>}}` in a message's content, each tag optionally piped through filters
 * (`{{profile.traits.first_name | default: "there"}}`). One reader for all of them: `parseTemplate`. Pure.
 *
 * Why keys and content treat a missing value differently: a trigger without the named property must not send
 * under a key like `cart:` that every cart would share, so a key with a missing value is `undefined` ("cannot
 * decide"); an email renders the missing value as empty text (a `default` filter says what to show instead).
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

/** A filter of a tag: `default: "text"` (used when the value is missing or empty), or a text transform. */
export type TemplateFilter = { name: 'default'; text: string } | { name: 'url_encode' | 'upcase' | 'downcase' };

/** A template, parsed: literal text and tags, in order. */
export type TemplatePart = { text: string } | { path: string; filters: TemplateFilter[] };

/** The filters a tag may use. */
export const TEMPLATE_FILTERS: readonly TemplateFilter['name'][] = ['default', 'url_encode', 'upcase', 'downcase'];

const PATH = /^[A-Za-z_]\w*(\.[\w-]+)*$/;
const FILTER = /^([a-z_]+)\s*(?::\s*(?:"([^"]*)"|'([^']*)'))?$/;

/** Parses one tag's inside (`profile.traits.first_name | default: "there"`). */
function parseTag(inside: string): { path: string; filters: TemplateFilter[] } | { problem: string } {
  const [head = '', ...pipes] = inside.split('|').map((s) => s.trim());
  if (!PATH.test(head)) return { problem: `"{{${inside}}}" does not start with a dotted path (trigger.properties.cart_id)` };
  const filters: TemplateFilter[] = [];
  for (const pipe of pipes) {
    const m = FILTER.exec(pipe);
    const name = m?.[1] ?? pipe;
    const arg = m?.[2] ?? m?.[3];
    if (!m || !(TEMPLATE_FILTERS as readonly string[]).includes(name))
      return { problem: `unknown filter "${name}" in {{${inside}}} (filters: ${TEMPLATE_FILTERS.join(', ')})` };
    if (name === 'default') {
      if (arg === undefined) return { problem: `default needs quoted text: {{${head} | default: "…"}}` };
      filters.push({ name, text: arg });
    } else {
      if (arg !== undefined) return { problem: `filter "${name}" takes no argument` };
      filters.push({ name: name as 'url_encode' | 'upcase' | 'downcase' });
    }
  }
  return { path: head, filters };
}

/** A template's parts, or the first problem (an unclosed `{{`, a tag without a path, a bad filter). */
export function parseTemplate(template: string): { parts: TemplatePart[] } | { problem: string } {
  const parts: TemplatePart[] = [];
  let at = 0;
  for (;;) {
    const open = template.indexOf('{{', at);
    if (open < 0) break;
    const close = template.indexOf('}}', open + 2);
    const inside = close < 0 ? '' : template.slice(open + 2, close);
    if (close < 0 || inside.includes('{{')) return { problem: `unclosed tag "{{" at character ${open}` };
    if (open > at) parts.push({ text: template.slice(at, open) });
    const tag = parseTag(inside.trim());
    if ('problem' in tag) return tag;
    parts.push(tag);
    at = close + 2;
  }
  if (at < template.length) parts.push({ text: template.slice(at) });
  return { parts };
}

/**
 * The problem of a template whose tags may read only `roots` (`trigger`, `profile`), or `undefined`.
 * A `profile` tag reads `profile.id` or `profile.traits.<name>`.
 */
export function templateProblem(template: string, roots: readonly string[]): string | undefined {
  const parsed = parseTemplate(template);
  if ('problem' in parsed) return parsed.problem;
  for (const part of parsed.parts) {
    if (!('path' in part)) continue;
    const [root, second] = part.path.split('.');
    if (!roots.includes(root ?? ''))
      return `unknown root in {{${part.path}}}: a template here reads ${roots.map((r) => `{{${r}.…}}`).join(' or ')}`;
    if (root === 'trigger' && second === undefined) return `{{trigger}} names no property: {{trigger.properties.…}}`;
    if (root === 'profile' && !(part.path === 'profile.id' || (second === 'traits' && part.path.split('.').length > 2)))
      return `{{${part.path}}}: a profile tag reads {{profile.id}} or {{profile.traits.<name>}}`;
  }
  return undefined;
}

/** How `renderTemplate` treats values: `missing: 'fail'` answers `undefined` for a tag without a value. */
export interface RenderOptions {
  missing?: 'fail' | 'empty';
  /** Applied to every tag's output (HTML escaping in HTML bodies). */
  escape?: (text: string) => string;
}

function applyFilters(value: string | undefined, filters: readonly TemplateFilter[]): string | undefined {
  let out = value;
  for (const f of filters) {
    if (f.name === 'default') out = out === undefined ? f.text : out;
    else if (out !== undefined)
      out = f.name === 'url_encode' ? encodeURIComponent(out) : f.name === 'upcase' ? out.toUpperCase() : out.toLowerCase();
  }
  return out;
}

/**
 * Renders a template over a scope (`{ trigger }`, `{ trigger, profile }`). With `missing: 'fail'` (the
 * default: keys and matches) a tag without a value makes the whole answer `undefined`, as does a template
 * that does not parse; with `'empty'` it renders as empty text.
 */
export function renderTemplate(template: string, scope: Record<string, unknown>, options: RenderOptions = {}): string | undefined {
  const parsed = parseTemplate(template);
  if ('problem' in parsed) return undefined;
  let out = '';
  for (const part of parsed.parts) {
    if (!('path' in part)) {
      out += part.text;
      continue;
    }
    const text = applyFilters(keyText(valueAt(scope, part.path)), part.filters);
    if (text === undefined && options.missing !== 'empty') return undefined;
    out += options.escape ? options.escape(text ?? '') : (text ?? '');
  }
  return out;
}

/** Whether an event matches an exit rule's `match` (each path equals its rendered template). */
export function matchesAll(event: unknown, match: Record<string, string> | undefined, scope: Record<string, unknown>): boolean {
  for (const [path, template] of Object.entries(match ?? {})) {
    const want = renderTemplate(template, scope);
    if (want === undefined || keyText(valueAt(event, path)) !== want) return false;
  }
  return true;
}

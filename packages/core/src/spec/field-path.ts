/**
 * How every 400 answer names a field, written once: `batch[0].traits.email`, `steps[2].wait`,
 * `properties["a.b"]`. Names join with dots, array indices are brackets (the tracking API's public
 * `batch[0].userId` form, which JavaScript readers write the same way), and a key that is not a plain name is
 * quoted in brackets (cut when long, escaped so the field never holds NUL or a lone surrogate). Zod issue
 * paths, the JSON scanner's and the hand-written validators' all go through here.
 */

/** One step of a path: an object key or an array index (zod's paths may hold symbols, written as keys). */
export type FieldPathSegment = string | number | symbol;

/** The readable path of `segments`, appended to `within` (a path this function made; '' at the root). */
export function formatFieldPath(segments: ReadonlyArray<FieldPathSegment>, within = ''): string {
  let text = within;
  for (const segment of segments) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else {
      const key = String(segment);
      if (/^[A-Za-z_$][\w$]{0,63}$/.test(key)) text += text === '' ? key : `.${key}`;
      else text += `[${JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key)}]`;
    }
  }
  return text;
}

/** Two formatted paths as one: `child` (from `formatFieldPath`, or '') read inside `parent`. */
export function joinFieldPaths(parent: string, child: string | undefined): string {
  if (!child) return parent;
  if (parent === '' || child.startsWith('[')) return parent + child;
  return `${parent}.${child}`;
}

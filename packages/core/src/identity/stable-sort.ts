/**
 * `sortInPlace`: Array.prototype.sort for the short arrays of the write path (an event's identifiers, trait
 * keys, candidates), without its cost.
 *
 * Why: V8's sort allocates a work array and its sort state on every call, even for two elements (about
 * 200 ns and several hundred bytes each); the write path sorts a few short arrays per event. Insertion sort
 * is stable, as Array.prototype.sort is, so for a consistent comparator both give the same order.
 */

/** Arrays longer than this go to Array.prototype.sort (insertion sort is quadratic). */
const INSERTION_LIMIT = 16;

/** Sorts `items` in place by `compare`, stably (as `items.sort(compare)`), and returns it. */
export function sortInPlace<T>(items: T[], compare: (a: T, b: T) => number): T[] {
  if (items.length > INSERTION_LIMIT) return items.sort(compare);
  for (let i = 1; i < items.length; i++) {
    const item = items[i]!;
    let j = i - 1;
    while (j >= 0 && compare(items[j]!, item) > 0) {
      items[j + 1] = items[j]!;
      j--;
    }
    items[j + 1] = item;
  }
  return items;
}

/** The paging envelope every list route answers with. Type-only. */

/** A page of results, newest first, with an opaque cursor. */
export interface Page<T> {
  data: T[];
  cursor: { next: string | null; hasMore: boolean };
}

/**
 * Turns for ingest work on the HTTP thread: each request's decode, parse, validation and hand-off runs in a
 * turn of its own, one turn per event-loop iteration, so between two requests' work the loop always polls
 * its sockets — `/health`, `/ready` and new connections wait for at most one request's work, never for a
 * burst of them.
 *
 * Why: a profile of the hostile suite showed the HTTP thread busy for up to a second at a stretch when
 * many 500 KB bodies completed together, all parsed back to back in one poll phase while `/health` waited.
 * A turn is taken by `setImmediate`, and an immediate queued from the check phase runs on the next
 * iteration, after the next poll.
 */

/** A FIFO of turns. */
export interface IngestTurns {
  /** Resolves when it is this caller's turn; the caller's synchronous work after it is the turn. */
  next(): Promise<void>;
  /** Callers waiting for a turn. */
  waiting(): number;
}

/** Creates a turn queue. */
export function createIngestTurns(): IngestTurns {
  const queue: Array<() => void> = [];
  let scheduled = false;
  const pump = () => {
    scheduled = false;
    queue.shift()?.();
    if (queue.length > 0) schedule();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(pump);
  };
  return {
    next: () =>
      new Promise<void>((resolve) => {
        queue.push(resolve);
        schedule();
      }),
    waiting: () => queue.length,
  };
}

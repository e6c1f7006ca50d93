/**
 * The loop of a follower of committed writes: the incremental matcher (matching/match-follower.ts), the
 * audience evaluator (audiences/audience-engine.ts) and the journey runner with its delivery worker
 * (messaging/messaging-service.ts). Each gives one `turn` that answers whether more work is waiting; the loop
 * runs turns one after another, never two at once (a drain and the background loop share one chain), and
 * pauses after each:
 *
 * - while more work waits, no idle pause; when none waits, `pollMs`;
 * - at least `dutyPause` times as long as the turn worked (capped at `maxPauseMs`). Why: a follower shares
 *   the HTTP thread with ingestion; pausing as long as it worked caps it near half the thread, so a burst of
 *   traffic slows the follower rather than the ingest;
 * - after a failed turn, `errorPauseMs`, once `onError` has been told: an error ends the turn, not the loop.
 *
 * Written once here so the three followers cannot drift apart in how they start, stop and drain.
 */

/** The clock and timers the loop uses (the globals by default; tests pass their own). */
export interface FollowerTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const GLOBAL_TIMERS: FollowerTimers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Options of {@link createFollowerLoop}. */
export interface FollowerLoopOptions {
  /** One turn; resolves true when more work is waiting. */
  turn(): Promise<boolean>;
  /** Pause after a turn that left nothing waiting, in ms. */
  pollMs: number;
  /** Pause after a turn as a multiple of its duration (default 0: none). */
  dutyPause?: number;
  /** The longest duty pause, in ms (default 500). */
  maxPauseMs?: number;
  /** Pause after a turn that threw, in ms. */
  errorPauseMs: number;
  /** Told of a background turn's error (drain lets its errors through instead). */
  onError(error: unknown): void;
  /** Run the first turn within `start` rather than on the next timer tick (the journey loop always did). */
  immediateStart?: boolean;
  timers?: FollowerTimers;
}

/** A follower's loop, made stopped. */
export interface FollowerLoop {
  /** Starts the background loop (a no-op when it runs). */
  start(): void;
  /** Stops the loop and waits for the running turn. */
  stop(): Promise<void>;
  /**
   * Waits for the running turn, calls `before`, then runs turns until one leaves nothing waiting (at most
   * `maxTurns`). A turn's error is thrown to the caller. Tests and benchmarks use it.
   */
  drain(options?: { before?: () => void; maxTurns?: number }): Promise<void>;
  /** Runs one turn after any running one; true when more work is waiting. */
  turn(): Promise<boolean>;
}

/** Creates a follower's loop (not started). */
export function createFollowerLoop(options: FollowerLoopOptions): FollowerLoop {
  const timers = options.timers ?? GLOBAL_TIMERS;
  const dutyPause = options.dutyPause ?? 0;
  const maxPauseMs = options.maxPauseMs ?? 500;
  let timer: unknown;
  let running: Promise<void> | undefined;
  let stopped = true;

  // Why a chain: the background loop and a drain must never run turns at once.
  let chain: Promise<unknown> = Promise.resolve();
  const turn = (): Promise<boolean> => {
    const next = chain.then(options.turn, options.turn);
    chain = next.catch(() => undefined);
    return next;
  };

  const run = (): void => {
    const started = timers.now();
    running = turn().then(
      (more) => schedule(Math.max(more ? 0 : options.pollMs, Math.min(maxPauseMs, (timers.now() - started) * dutyPause))),
      (error: unknown) => {
        options.onError(error);
        schedule(options.errorPauseMs);
      },
    );
  };

  const schedule = (delay: number): void => {
    if (stopped) return;
    timer = timers.setTimeout(run, delay);
  };

  return {
    turn,
    start() {
      if (!stopped) return;
      stopped = false;
      if (options.immediateStart) run();
      else schedule(0);
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      await running;
    },
    async drain(drainOptions = {}) {
      await running;
      drainOptions.before?.();
      const maxTurns = drainOptions.maxTurns ?? Number.POSITIVE_INFINITY;
      for (let i = 0; i < maxTurns && (await turn()); i++);
    },
  };
}

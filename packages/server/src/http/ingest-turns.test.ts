import { describe, expect, it } from 'vitest';
import { createIngestTurns } from './ingest-turns.ts';

describe('ingest turns', () => {
  it('runs one turn per event-loop iteration, in order: what a turn queues for the next iteration runs before the next turn', async () => {
    const turns = createIngestTurns();
    const log: string[] = [];
    const all = [0, 1, 2].map((i) =>
      turns.next().then(() => {
        log.push(`turn ${i}`);
        // A timer queued now is due before this turn's work ends (the work takes 5 ms here), so it fires in
        // the next iteration's timers phase: before the next turn (check phase), if turns take one iteration each.
        setTimeout(() => log.push(`timer after ${i}`), 0);
        const until = Date.now() + 5;
        while (Date.now() < until);
      }),
    );
    expect(turns.waiting()).toBe(3);
    await Promise.all(all);
    await new Promise((r) => setTimeout(r, 5));
    expect(log).toEqual(['turn 0', 'timer after 0', 'turn 1', 'timer after 1', 'turn 2', 'timer after 2']);
    expect(turns.waiting()).toBe(0);
  });

  it('gives a turn at once to a caller that comes after the queue emptied', async () => {
    const turns = createIngestTurns();
    await turns.next();
    await turns.next();
    expect(turns.waiting()).toBe(0);
  });
});

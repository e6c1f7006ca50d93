/** The reader's copy of the timeline tail against the tables it copies, changed as the writer changes them. */
import DatabaseFile from 'better-sqlite3';
import { expect, it } from 'vitest';
import { createTailIndex } from './sqlite-tail-index.ts';

function tables() {
  const db = new DatabaseFile(':memory:');
  db.exec(`CREATE TABLE timeline_tail (seq INTEGER PRIMARY KEY, profile_id TEXT NOT NULL, timestamp TEXT NOT NULL);
    CREATE TABLE timeline_flush (id INTEGER PRIMARY KEY CHECK (id = 1), through_seq INTEGER NOT NULL);
    INSERT INTO timeline_flush VALUES (1, 0);`);
  const append = (seq: number, profile: string) => db.prepare("INSERT INTO timeline_tail VALUES (?, ?, '')").run(seq, profile);
  return { db, append };
}

const of = (...ids: string[]) => new Map(ids.map((id) => [id, id]));
const sorted = (entries: Array<[number, string]>) => [...entries].sort((x, y) => x[0] - y[0]);

it('finds every tail entry of the asked profiles as the tail grows, moves and takes a reused seq', () => {
  const { db, append } = tables();
  const tail = createTailIndex();
  append(1, 'a');
  append(2, 'b');
  expect(tail.entries(db, of('a'))).toEqual([[1, 'a']]);
  append(3, 'a');
  append(4, 'c');
  expect(tail.entries(db, of('a', 'c'))).toEqual([
    [1, 'a'],
    [3, 'a'],
    [4, 'c'],
  ]);
  // A generation moved to `timeline`: entries up to through_seq leave the tail.
  db.exec('DELETE FROM timeline_tail WHERE seq <= 3; UPDATE timeline_flush SET through_seq = 3');
  append(5, 'a');
  expect(sorted(tail.entries(db, of('a', 'c')))).toEqual([
    [4, 'c'],
    [5, 'a'],
  ]);
  // An erasure settles (the whole tail moves), then deletes the newest events: new events take their seqs again.
  db.exec('DELETE FROM timeline_tail; UPDATE timeline_flush SET through_seq = 5');
  append(4, 'd');
  append(5, 'd');
  expect(tail.entries(db, of('a', 'c', 'd'))).toEqual([
    [4, 'd'],
    [5, 'd'],
  ]);
});

it('starts again when an entry appears below the newest one it read', () => {
  const { db, append } = tables();
  const tail = createTailIndex();
  append(6, 'a');
  append(8, 'a');
  expect(tail.entries(db, of('a', 'b'))).toHaveLength(2);
  append(7, 'b');
  expect(tail.entries(db, of('b'))).toEqual([[7, 'b']]);
});

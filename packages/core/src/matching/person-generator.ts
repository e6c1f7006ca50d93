/**
 * A seeded generator of realistic person records with known duplicates, for scale tests and
 * benchmarks: Zipf-distributed names (so common names are common), nicknames, typos, swapped
 * names, missing fields and date errors. Same options → byte-identical output.
 */
import { seededRandom, type SeededRandom } from './seeded-random.ts';

/** Options of {@link generatePeople}. */
export interface GeneratePeopleOptions {
  readonly count: number;
  readonly seed?: number;
  /** Share of records that are corrupted copies of another record's person. Default 0.3. */
  readonly duplicateShare?: number;
}

/** Generated rows (all strings) plus the entity id of each row. */
export interface GeneratedPeople {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly entity: readonly number[];
}

const FIRST = (
  'james john robert michael william david richard joseph thomas charles christopher daniel matthew anthony mark ' +
  'donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward jason jeffrey ryan jacob gary ' +
  'nicholas eric jonathan stephen larry justin scott brandon benjamin samuel gregory alexander frank patrick raymond ' +
  'jack dennis jerry tyler aaron jose adam nathan henry douglas zachary peter kyle noah ethan jeremy walter christian ' +
  'mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty margaret sandra ashley ' +
  'kimberly emily donna michelle carol amanda dorothy melissa deborah stephanie rebecca sharon laura cynthia kathleen ' +
  'amy angela shirley anna brenda pamela emma nicole helen samantha katherine christine debra rachel carolyn janet ' +
  'catherine maria heather diane ruth julie olivia joyce virginia victoria kelly lauren christina joan evelyn judith ' +
  'megan andrea cheryl hannah jacqueline martha gloria teresa ann sara madison frances kathryn janice jean abigail alice'
).split(' ');

const NICK: Readonly<Record<string, string>> = {
  robert: 'bob',
  william: 'bill',
  james: 'jim',
  richard: 'dick',
  michael: 'mike',
  thomas: 'tom',
  joseph: 'joe',
  christopher: 'chris',
  daniel: 'dan',
  matthew: 'matt',
  anthony: 'tony',
  elizabeth: 'liz',
  margaret: 'maggie',
  jennifer: 'jen',
  katherine: 'kate',
  rebecca: 'becky',
  samantha: 'sam',
  patricia: 'pat',
  edward: 'ed',
  steven: 'steve',
  andrew: 'andy',
  benjamin: 'ben',
  alexander: 'alex',
  nicholas: 'nick',
  jonathan: 'jon',
  kenneth: 'ken',
  timothy: 'tim',
};

const SYLLABLES =
  'an ber car dan el fer gar har in jon kel lan mor nor ol par quin ros sal ter ur van wil yar zel son ton ley man ford well by ham ing ers'.split(
    ' ',
  );
const CITIES = (
  'london manchester birmingham leeds glasgow sheffield bradford liverpool edinburgh bristol cardiff leicester ' +
  'coventry nottingham newcastle sunderland brighton hull plymouth derby southampton portsmouth york oxford cambridge ' +
  'norwich exeter bath lincoln chester durham reading swindon luton preston blackpool bolton wigan stockport'
).split(' ');
const DOMAINS = ['gmail.com', 'yahoo.co.uk', 'outlook.com', 'hotmail.com', 'icloud.com', 'btinternet.com'];

/** Index drawn from a Zipf-like distribution over n items (rank 0 most likely). */
function zipf(random: SeededRandom, n: number): number {
  // Inverse of the continuous 1/x density on [1, n+1): cheap and heavy-tailed.
  return Math.min(n - 1, Math.floor(Math.exp(random.next() * Math.log(n + 1)) - 1));
}

function surname(random: SeededRandom): string {
  // Rank → deterministic name, so popular ranks map to the same surnames across records.
  let rank = zipf(random, 200_000);
  let s = '';
  const parts = 2 + (rank % 2);
  for (let p = 0; p < parts; p++) {
    s += SYLLABLES[rank % SYLLABLES.length] ?? '';
    rank = Math.floor(rank / SYLLABLES.length) + p * 7;
  }
  return s;
}

function typo(random: SeededRandom, s: string): string {
  if (s.length < 2) return s;
  const at = random.int(s.length);
  const letter = String.fromCharCode(97 + random.int(26));
  switch (random.int(4)) {
    case 0:
      return s.slice(0, at) + letter + s.slice(at + 1);
    case 1:
      return s.slice(0, at) + s.slice(at + 1);
    case 2:
      return s.slice(0, at) + letter + s.slice(at);
    default:
      return at + 1 < s.length ? s.slice(0, at) + (s[at + 1] ?? '') + (s[at] ?? '') + s.slice(at + 2) : s;
  }
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Generates `count` person records; about `duplicateShare` of them duplicate an earlier person. */
export function generatePeople(options: GeneratePeopleOptions): GeneratedPeople {
  const random = seededRandom(options.seed ?? 42);
  const dupShare = options.duplicateShare ?? 0.3;
  const headers = ['first_name', 'last_name', 'dob', 'city', 'postcode', 'email', 'phone'];
  const people: string[][] = [];
  const rows: string[][] = [];
  const entity: number[] = [];
  for (let r = 0; r < options.count; r++) {
    if (people.length > 0 && random.next() < dupShare) {
      const id = people.length - 1 - Math.min(people.length - 1, Math.floor(random.next() * 1000));
      const base = people[id] ?? [];
      rows.push(corrupt(random, base));
      entity.push(id);
      continue;
    }
    const first = FIRST[zipf(random, FIRST.length)] ?? 'alex';
    const last = surname(random);
    const year = 1940 + random.int(66);
    const month = 1 + random.int(12);
    const day = 1 + random.int(28);
    const cityIndex = zipf(random, CITIES.length);
    const city = CITIES[cityIndex] ?? 'london';
    const postcode = `${city.slice(0, 2).toUpperCase()}${1 + random.int(20)} ${random.int(10)}${String.fromCharCode(65 + random.int(26))}${String.fromCharCode(65 + random.int(26))}`;
    const email = `${first}${random.next() < 0.5 ? '.' : ''}${last}${random.int(100)}@${DOMAINS[random.int(DOMAINS.length)] ?? 'gmail.com'}`;
    const phone = `07${String(100_000_000 + random.int(900_000_000))}`;
    const person = [first, last, `${year}-${pad(month)}-${pad(day)}`, city, postcode, email, phone];
    people.push(person);
    rows.push(person.map((v, c) => (c >= 4 && random.next() < 0.2 ? '' : v)));
    entity.push(people.length - 1);
  }
  return { headers, rows, entity };
}

function corrupt(random: SeededRandom, base: readonly string[]): string[] {
  const row = [...base];
  const edits = 1 + random.int(3);
  for (let e = 0; e < edits; e++) {
    const field = random.int(row.length);
    const v = row[field] ?? '';
    const kind = random.next();
    if (kind < 0.2) {
      row[field] = '';
    } else if (field === 0 && kind < 0.45 && NICK[v] !== undefined) {
      row[field] = NICK[v] ?? v;
    } else if (field === 0 && kind < 0.55) {
      row[0] = row[1] ?? '';
      row[1] = v;
    } else if (field === 2 && v.length === 10) {
      const [y, m, d] = v.split('-');
      row[2] = kind < 0.5 ? `${y}-${d}-${m}` : typo(random, v.replace(/-/g, '')).replace(/^(\d{4})(\d{2})(\d{2})$/, '$1-$2-$3');
    } else {
      row[field] = typo(random, v);
    }
  }
  if (random.next() < 0.3) row[1] = (row[1] ?? '').toUpperCase();
  return row;
}

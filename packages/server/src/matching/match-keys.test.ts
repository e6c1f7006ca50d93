import { describe, expect, it } from 'vitest';
import { matchIndexEntriesOf, matchIndexEntryOf } from './match-keys.ts';

const t = (key: string, value: unknown) => ({ key, value, sourceId: 'crm' });
const PROFILES = [
  { id: 'p1', traits: [t('firstName', 'Robert'), t('lastName', 'Smith'), t('birthday', '1980-03-14'), t('email', 'rob@example.com')] },
  { id: 'p2', traits: [t('plan', 'gold')] },
  { id: 'p3', traits: [t('name', 'Smith Plumbing Ltd'), t('phone', '+447700900123')] },
  { id: 'p4', traits: [t('firstName', 'Alice'), t('address', { postalCode: 'LS1 4AB', street: '3 Mill Lane' })] },
];

describe('match index entries', () => {
  it('are, keyed at once, what each profile keyed alone is', () => {
    const batch = matchIndexEntriesOf(PROFILES);
    expect(batch).toHaveLength(PROFILES.length);
    PROFILES.forEach((p, i) => expect(batch[i]).toEqual(matchIndexEntryOf(p)));
    expect(batch.filter((e) => e.keys.length > 0)).toHaveLength(3);
  });

  it('leave a profile without person attributes unkeyed, whatever its neighbours', () => {
    expect(matchIndexEntriesOf([PROFILES[1]!, PROFILES[0]!])[0]).toEqual({ keys: [], recordHash: null });
    expect(matchIndexEntriesOf([])).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { detectColumnRoles } from './column-roles.ts';
import { prepareRecords } from './comparison-features.ts';
import { namesakeMailboxes } from './field-features.ts';

describe('namesakeMailboxes', () => {
  it('is true when only the number ending the mailbox name differs', () => {
    expect(namesakeMailboxes('mary.williams65@gmail.com', 'mary.williams69@gmail.com')).toBe(true);
    expect(namesakeMailboxes('waltersmith@x.com', 'waltersmith6@x.com')).toBe(true);
  });
  it('is false for a typo elsewhere (letters, a separator, the domain)', () => {
    expect(namesakeMailboxes('jane.smith@gmail.com', 'jane.smth@gmail.com')).toBe(false);
    expect(namesakeMailboxes('r..m51@leonard.net', 'r.m51@leonard.net')).toBe(false);
    expect(namesakeMailboxes('jb88@king.com', '8jb88@king.com')).toBe(false);
    expect(namesakeMailboxes('jane@gmail.com', 'jane@gmial.com')).toBe(false);
  });
});

describe('first name levels of initials', () => {
  const levelOf = (a: string, b: string): string => {
    const prepared = prepareRecords(
      [
        { key: 'a', values: { first_name: a, last_name: 'Quill' } },
        { key: 'b', values: { first_name: b, last_name: 'Quill' } },
      ],
      detectColumnRoles(['first_name', 'last_name']),
    );
    const first = prepared.features.find((f) => f.name === 'first_name');
    return first?.levels[first.compare(0, 1)] ?? 'null';
  };
  it('scores two equal initials as initials, not as an exact name (G. and G. may be Grace and George)', () => {
    expect(levelOf('G.', 'G.')).toBe('initial');
    expect(levelOf('Grace', 'Grace')).toBe('exact');
  });
  it('scores two different initials as different, not as one typing error', () => {
    expect(levelOf('G.', 'H.')).toBe('different');
  });
  it('fits an initial to a name or to one of its nicknames (V. and Tori, a Victoria)', () => {
    expect(levelOf('G.', 'Grace')).toBe('initial');
    expect(levelOf('V.', 'Tori')).toBe('initial');
    expect(levelOf('K.', 'Tori')).toBe('different');
  });
});

import { describe, expect, it } from 'vitest';
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

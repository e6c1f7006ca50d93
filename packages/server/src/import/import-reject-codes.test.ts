import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IMPORT_REJECT_CODES } from './import-reject-codes.ts';

describe('import reject codes', () => {
  const doc = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## Import rejects'));
  it.each(IMPORT_REJECT_CODES)('docs/errors.md "Import rejects" lists %s', (code) => {
    expect(section.startsWith('## Import rejects'), 'docs/errors.md has no "Import rejects" section').toBe(true);
    expect(
      section.split('\n').some((line) => line.startsWith(`| \`${code}\` |`)),
      `no row for ${code}`,
    ).toBe(true);
  });
});

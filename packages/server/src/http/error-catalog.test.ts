import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ApiError, ERROR_CODES, statusOf } from './error-catalog.ts';

describe('error catalog', () => {
  const doc = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');

  it.each(ERROR_CODES)('docs/errors.md lists %s with its status', (code) => {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${code}\``));
    expect(row, `docs/errors.md has no row for ${code}`).toBeDefined();
    expect(row).toContain(`| ${statusOf(code)} |`);
  });

  it('builds one body shape, with field and requestId only when present', () => {
    expect(new ApiError('invalid_event', 'bad', 'event').body('r1')).toEqual({
      error: { code: 'invalid_event', message: 'bad', field: 'event', requestId: 'r1' },
    });
    expect(new ApiError('not_found', 'gone').body()).toEqual({ error: { code: 'not_found', message: 'gone' } });
  });
});

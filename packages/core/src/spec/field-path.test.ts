import { describe, expect, it } from 'vitest';
import { formatFieldPath, joinFieldPaths } from './field-path.ts';
import { textProblem } from './json-scan.ts';

describe('formatFieldPath', () => {
  it('writes dotted names, indices and quoted odd keys without raw NUL or surrogates', () => {
    expect(formatFieldPath(['traits', 'email'])).toBe('traits.email');
    expect(formatFieldPath(['context', 'list', 2])).toBe('context.list[2]');
    expect(formatFieldPath(['steps', 0, 'send', 'channels', 1])).toBe('steps[0].send.channels[1]');
    expect(formatFieldPath(['properties', 'a.b'])).toBe('properties["a.b"]');
    const odd = formatFieldPath(['traits', 'k\0\ud800']);
    expect(odd).toBe('traits["k\\u0000\\ud800"]');
    expect(textProblem(odd)).toBeUndefined();
    expect(formatFieldPath(['x'.repeat(200)]).length).toBeLessThan(80);
  });

  it('continues a formatted path, and joins two', () => {
    expect(formatFieldPath([0, 'wait'], 'steps')).toBe('steps[0].wait');
    expect(formatFieldPath(['email'], 'batch[3].traits')).toBe('batch[3].traits.email');
    expect(joinFieldPaths('batch[0]', 'traits.email')).toBe('batch[0].traits.email');
    expect(joinFieldPaths('batch[0]', '["a.b"]')).toBe('batch[0]["a.b"]');
    expect(joinFieldPaths('batch[0]', undefined)).toBe('batch[0]');
    expect(joinFieldPaths('', 'userId')).toBe('userId');
  });
});

import { describe, expect, it } from 'vitest';
import { blameOf, failureCode, storableText } from './batch-failure.ts';

const pgError = (code: string) => Object.assign(new Error('refused'), { code });

describe('batch failure blame', () => {
  it.each(['22P05', '22021', '22P02', '22008', '22009', '23502', '23514', '54000'])('SQLSTATE %s blames one event (bisect)', (code) => {
    expect(blameOf(pgError(code))).toBe('event');
    expect(failureCode(pgError(code))).toBe(code);
  });

  it.each(['08006', '57P01', '53300', '40P01', '55P03', '23505', '42601', 'ECONNREFUSED', 'ETIMEDOUT'])(
    '%s blames the infrastructure (retry the batch)',
    (code) => {
      expect(blameOf(pgError(code))).toBe('infrastructure');
    },
  );

  it('a RangeError blames the event; a plain Error (connection terminated) the infrastructure', () => {
    expect(blameOf(new RangeError('Invalid time value'))).toBe('event');
    expect(failureCode(new RangeError('Invalid time value'))).toBe('RangeError');
    expect(blameOf(new Error('Connection terminated unexpectedly'))).toBe('infrastructure');
    expect(blameOf('a string')).toBe('infrastructure');
  });

  it('storableText replaces NUL and lone surrogates, keeps pairs', () => {
    expect(storableText('a\u0000b')).toBe('a\uFFFDb');
    expect(storableText('x\ud800y\udc00z')).toBe('x\uFFFDy\uFFFDz');
    expect(storableText('emoji \ud83d\ude00 ok')).toBe('emoji \ud83d\ude00 ok');
  });
});

import { generateCustomers, type MatchRecord } from '@kin/core/matching/index.ts';
import { describe, expect, it } from 'vitest';
import { evaluateRecords, formatReport, MappingError } from './match-evaluate.ts';
import { nothingLinkedReason } from './match-model-report.ts';

const records = (rows: readonly Record<string, string>[]): MatchRecord[] =>
  rows.map((values, i) => ({ key: `r${String(i).padStart(9, '0')}`, values }));

function evaluate(rows: readonly Record<string, string>[], mapping?: Record<string, string>) {
  const headers = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return evaluateRecords({ records: records(rows), truth: rows.map((_, i) => String(i)), truthColumn: 'id', headers, mapping });
}

describe('matching bad input', () => {
  it('refuses a mapping that names unknown roles or columns, naming them', () => {
    const rows = [
      { Name: 'Ann Lee', Colour: 'red' },
      { Name: 'Ann Lee', Colour: 'blue' },
    ];
    expect(() => evaluate(rows, { Colour: 'favourite_colour' })).toThrow(MappingError);
    expect(() => evaluate(rows, { Colour: 'favourite_colour' })).toThrow(/"Colour": unknown role "favourite_colour"/);
    expect(() => evaluate(rows, { Shoe: 'ignore' })).toThrow(/column "Shoe" is not in the file/);
    expect(() => evaluate(rows, { Colour: 'loyalty_id', Name: 'full_name' })).not.toThrow();
  });

  it('says why nothing was linked when only one column is usable', () => {
    const rows = Array.from({ length: 300 }, (_, i) => ({ surname: `name${i % 150}`, notes: 'x' }));
    const report = evaluate(rows);
    expect(report.result.links).toHaveLength(0);
    expect(nothingLinkedReason(report.result, report.records)).toMatch(/only one comparable field \(last_name\)/);
    expect(formatReport(report).join('\n')).toMatch(/nothing linked {4}only one comparable field/);
  });

  it('links nothing, quickly, in 10,000 identical rows, and says why', () => {
    const row = { first_name: 'John', last_name: 'Smith', dob: '1980-01-01', email: 'john@example.com', postcode: 'AB1 2CD' };
    const started = performance.now();
    const report = evaluate(Array.from({ length: 10_000 }, () => ({ ...row })));
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(report.largestCluster).toBe(1);
    expect(nothingLinkedReason(report.result, report.records)).toMatch(/no candidate pairs: .*identical rows/);
  });

  it('ignores a 50 MB cell instead of comparing it', () => {
    const huge = 'a'.repeat(50 * 1024 * 1024);
    const rows = [
      { first_name: 'Robert', last_name: 'Smith', dob: '1980-05-17', email: 'rob@example.com' },
      { first_name: 'Bob', last_name: huge, dob: '1980-05-17', email: 'rob@example.com' },
      ...generateCustomers({ entities: 50, seed: 5 }).rows.map((r) => ({
        first_name: r[0] ?? '',
        last_name: r[1] ?? '',
        dob: r[4] ?? '',
        email: r[5] ?? '',
      })),
    ];
    const started = performance.now();
    const report = evaluate(rows);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(report.largestCluster).toBeLessThanOrEqual(4);
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.ts';

describe('configuration', () => {
  it('has working defaults, the writer thread on', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({ port: 8080, db: './.kin/kin.db', ingestThread: true, dedupWindowDays: 30, dedupMemory: 100_000 });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('keeps warnings 30 days unless KIN_WARNINGS_RETENTION_DAYS says otherwise, and refuses 0', () => {
    expect(parseConfig({}).warningsRetentionDays).toBe(30);
    expect(parseConfig({ KIN_WARNINGS_RETENTION_DAYS: '7' }).warningsRetentionDays).toBe(7);
    expect(() => parseConfig({ KIN_WARNINGS_RETENTION_DAYS: '0' })).toThrow(/KIN_WARNINGS_RETENTION_DAYS/);
  });

  it('KIN_INGEST_THREAD=off runs resolution on the HTTP thread', () => {
    expect(parseConfig({ KIN_INGEST_THREAD: 'off' }).ingestThread).toBe(false);
  });

  it('names the variable and the reason of every bad value', () => {
    let error: unknown;
    try {
      parseConfig({ KIN_INGEST_THREAD: 'maybe', PORT: '70000' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('ingestThread (KIN_INGEST_THREAD)');
    expect(problems).toContain('port (PORT)');
  });

  it('KIN_DEDUP_MEMORY sets how many messageId claims wait in memory', () => {
    expect(parseConfig({ KIN_DEDUP_MEMORY: '5000' }).dedupMemory).toBe(5000);
    expect(() => parseConfig({ KIN_DEDUP_MEMORY: '0' })).toThrow(/dedupMemory \(KIN_DEDUP_MEMORY\)/);
  });

  it('KIN_GROUP_WAIT_MS and KIN_GROUP_MIN_EVENTS tune the group commit (0 never waits)', () => {
    expect(parseConfig({}).groupCommit).toEqual({ waitMs: 20, minEvents: 1000 });
    expect(parseConfig({ KIN_GROUP_WAIT_MS: '0', KIN_GROUP_MIN_EVENTS: '500' }).groupCommit).toEqual({ waitMs: 0, minEvents: 500 });
    expect(() => parseConfig({ KIN_GROUP_WAIT_MS: '-1' })).toThrow(/groupWaitMs \(KIN_GROUP_WAIT_MS\)/);
  });

  it('flags win over the environment', () => {
    expect(parseConfig({ PORT: '9000' }, { port: 9100 }).port).toBe(9100);
  });
});

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

  it('bounds ingest admission, admin bodies, connections and timeouts, with defaults', () => {
    const defaults = parseConfig({});
    expect(defaults.admission).toEqual({ maxInFlightBytes: 32 * 1024 * 1024, maxInFlightRequests: 256 });
    expect(defaults.limits.maxAdminBodyBytes).toBe(1024 * 1024);
    expect(defaults.server).toEqual({
      maxConnections: 10_000,
      requestTimeoutSeconds: 30,
      headersTimeoutSeconds: 10,
      keepAliveTimeoutSeconds: 5,
    });
    const set = parseConfig({
      KIN_MAX_INFLIGHT_BYTES: '2000000',
      KIN_MAX_INFLIGHT_REQUESTS: '8',
      KIN_MAX_ADMIN_BODY_BYTES: '4096',
      KIN_MAX_CONNECTIONS: '100',
      KIN_REQUEST_TIMEOUT_SECONDS: '20',
      KIN_HEADERS_TIMEOUT_SECONDS: '3',
      KIN_KEEP_ALIVE_TIMEOUT_SECONDS: '2',
    });
    expect(set.admission).toEqual({ maxInFlightBytes: 2_000_000, maxInFlightRequests: 8 });
    expect(set.limits.maxAdminBodyBytes).toBe(4096);
    expect(set.server).toEqual({ maxConnections: 100, requestTimeoutSeconds: 20, headersTimeoutSeconds: 3, keepAliveTimeoutSeconds: 2 });
    expect(() => parseConfig({ KIN_MAX_INFLIGHT_REQUESTS: '0' })).toThrow(/maxInFlightRequests \(KIN_MAX_INFLIGHT_REQUESTS\)/);
  });

  it('refuses a headers timeout over the request timeout and an in-flight byte bound under one request', () => {
    expect(() => parseConfig({ KIN_HEADERS_TIMEOUT_SECONDS: '40' })).toThrow(/KIN_HEADERS_TIMEOUT_SECONDS.*must not exceed/);
    expect(() => parseConfig({ KIN_MAX_INFLIGHT_BYTES: '100000' })).toThrow(/KIN_MAX_INFLIGHT_BYTES.*at least/);
  });

  it('flags win over the environment', () => {
    expect(parseConfig({ PORT: '9000' }, { port: 9100 }).port).toBe(9100);
  });

  it('KIN_WRITE_KEYS: one key for two sources, or one source declared twice, is a configuration error', () => {
    expect(() => parseConfig({ KIN_WRITE_KEYS: 'web:same-key-0001,ios:same-key-0001' })).toThrow(
      /writeKeys \(KIN_WRITE_KEYS\): sources "web" and "ios" declare the same key/,
    );
    expect(() => parseConfig({ KIN_WRITE_KEYS: 'web:key-one-0001,web:key-two-0002' })).toThrow(/source "web" is declared twice/);
    // The key itself never appears in the error.
    expect(() => parseConfig({ KIN_WRITE_KEYS: 'web:same-key-0001,ios:same-key-0001' })).not.toThrow(/same-key-0001/);
    expect(parseConfig({ KIN_WRITE_KEYS: 'web:key-one-0001,ios:key-two-0002' }).writeKeys).toHaveLength(2);
  });

  it('worker dead-lettering: KIN_WORKER_MAX_DELIVERIES, the DLQ stream and a subject apart from the events', () => {
    expect(parseConfig({}).nats).toMatchObject({ maxDeliveries: 5, dlqStream: 'KIN_EVENTS_DLQ', dlqSubject: 'kin.dead' });
    expect(parseConfig({ KIN_WORKER_MAX_DELIVERIES: '2', KIN_NATS_DLQ_STREAM: 'DLQ', KIN_NATS_DLQ_SUBJECT: 'x.dead' }).nats).toMatchObject({
      maxDeliveries: 2,
      dlqStream: 'DLQ',
      dlqSubject: 'x.dead',
    });
    expect(() => parseConfig({ KIN_WORKER_MAX_DELIVERIES: '0' })).toThrow(/maxDeliveries \(KIN_WORKER_MAX_DELIVERIES\)/);
    expect(() => parseConfig({ KIN_NATS_DLQ_SUBJECT: 'kin.events.dead' })).toThrow(/dlqSubject \(KIN_NATS_DLQ_SUBJECT\)/);
    expect(() => parseConfig({ KIN_NATS_DLQ_SUBJECT: 'kin' })).toThrow(/must not overlap/);
  });
});

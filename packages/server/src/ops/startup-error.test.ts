import { describe, expect, it } from 'vitest';
import { reaching, redactUrl, StartupError, unreachable } from './startup-error.ts';

describe('start-up errors', () => {
  it('shows addresses without credentials or query', () => {
    expect(redactUrl('postgres://kin:secret@db.internal:5432/kin?sslmode=require')).toBe('db.internal:5432/kin');
    expect(redactUrl('nats://user:pw@127.0.0.1:4222')).toBe('nats://127.0.0.1:4222');
    expect(redactUrl('nats://a:b@n1:4222,nats://c:d@n2:4222')).toBe('nats://n1:4222,nats://n2:4222');
    expect(redactUrl('not a url //user:pw@host')).not.toContain('pw');
  });

  it('turns an unreachable service into one line with its code; a bug keeps its error', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    await expect(reaching('PostgreSQL', 'postgres://u:p@127.0.0.1:1/kin', () => Promise.reject(refused))).rejects.toThrow(
      new StartupError('cannot reach PostgreSQL at 127.0.0.1:1/kin (ECONNREFUSED)'),
    );
    const noDb = Object.assign(new Error('database "kin" does not exist'), { code: '3D000' });
    expect(unreachable('PostgreSQL', 'postgres://h/kin', noDb).message).toBe(
      'cannot reach PostgreSQL at h/kin (database "kin" does not exist, 3D000)',
    );
    const bug = Object.assign(new Error('syntax error'), { code: '42601' });
    await expect(reaching('PostgreSQL', 'postgres://h/kin', () => Promise.reject(bug))).rejects.toBe(bug);
  });
});

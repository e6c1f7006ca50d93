import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoHints } from './demo-hints.ts';
import type { RunningDemo } from './demo-run.ts';
import { runDemo } from './demo-run.ts';

describe('demoHints', () => {
  let demo: RunningDemo;
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kin-demo-hints-'));
    demo = await runDemo({ port: 0, host: '127.0.0.1', db: join(dir, 'demo.db'), seed: 7, shoppers: 120, liveEveryMs: 0 });
  });
  afterAll(async () => {
    await demo?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('suggests a first name, a full name, a user id, a handle and a phone, and each one finds a profile', async () => {
    const hints = await demoHints(demo.kin.store);
    expect(hints).toHaveLength(5);
    expect(hints[1]).toMatch(/^\S+ \S+/);
    expect(hints[3]).toMatch(/^@/);
    for (const hint of hints) {
      const res = await fetch(`${demo.kin.url}/v1/search?q=${encodeURIComponent(hint)}`, {
        headers: { authorization: `Bearer ${demo.adminToken}` },
      });
      expect(((await res.json()) as { total: number }).total, hint).toBeGreaterThan(0);
    }
  });

  it('keeps its admin token and write keys beside its database, readable by the owner only, where the sign-in page says', () => {
    expect(demo.credentialsFile).toBe(join(dir, 'demo.db.credentials.json'));
    const saved = JSON.parse(readFileSync(demo.credentialsFile, 'utf8')) as { adminToken: string; writeKeys: Record<string, string> };
    expect(saved.adminToken).toBe(demo.adminToken);
    expect(saved.writeKeys).toEqual(demo.writeKeys);
    expect(statSync(demo.credentialsFile).mode & 0o777).toBe(0o600);
  });
});

/**
 * Issue 18's proof of export: a 10,000-event profile beside another person, exported as JSON and as NDJSON in
 * under 5 s each, complete, with nothing of the other profile. In-process (app harness), but in the e2e
 * tier: it writes 11,000 events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrivacyExport, PrivacyExportLine, PrivacyRequest } from '@kin/core';
import type { TestApp } from '../testing/app-harness.ts';
import { createTestApp } from '../testing/app-harness.ts';

let kin: TestApp;
beforeAll(async () => {
  kin = await createTestApp();
  for (let r = 0; r < 20; r++) {
    const batch = Array.from({ length: 500 }, (_, i) => ({
      type: 'track',
      userId: 'exp-user',
      event: 'Viewed',
      messageId: `exp-${r}-${i}`,
      properties: { n: r * 500 + i },
    }));
    if (r % 4 === 0)
      batch.push(
        ...Array.from({ length: 50 }, (_, i) => ({
          type: 'track',
          userId: 'other-user',
          event: 'Secret',
          messageId: `oth-${r}-${i}`,
          properties: { n: -1 },
        })),
      );
    expect((await kin.track('/v1/batch', { batch })).status).toBe(200);
  }
  await kin.track('/v1/identify', { userId: 'exp-user', traits: { email: 'exp@example.com' } });
  await kin.track('/v1/identify', { userId: 'other-user', traits: { email: 'other@example.com' } });
});
afterAll(async () => kin.close());

describe('privacy export', () => {
  it('exports a 10,000-event profile in under 5 s, whole, with nothing of anyone else', async () => {
    const res = await kin.admin('/v1/privacy/requests', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'export', subject: { ref: 'email:exp@example.com' } }),
    });
    const { id } = (await res.json()) as PrivacyRequest;

    let started = Date.now();
    const doc = (await (await kin.admin(`/v1/privacy/requests/${id}/export`)).json()) as PrivacyExport;
    const jsonMs = Date.now() - started;
    expect(doc.events).toHaveLength(10_001);
    const ns = new Set(doc.events.filter((e) => e.type === 'track').map((e) => (e.properties as { n: number }).n));
    expect(ns.size).toBe(10_000);
    expect(Math.min(...ns)).toBe(0);
    expect(JSON.stringify(doc)).not.toMatch(/other-user|other@example\.com|Secret/);

    started = Date.now();
    const text = await (await kin.admin(`/v1/privacy/requests/${id}/export`, { headers: { accept: 'application/x-ndjson' } })).text();
    const ndjsonMs = Date.now() - started;
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as PrivacyExportLine);
    expect(lines.filter((l) => l.kind === 'event')).toHaveLength(10_001);
    expect(text).not.toMatch(/other-user|other@example\.com|Secret/);
    console.log(`privacy export: 10,001 events as JSON in ${jsonMs} ms, as NDJSON in ${ndjsonMs} ms`);
    expect(jsonMs).toBeLessThan(5_000);
    expect(ndjsonMs).toBeLessThan(5_000);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PrivacyExport, PrivacyExportLine, PrivacyRequest, Stats } from '@kin/core';
import type { TestApp } from '../testing/app-harness.ts';
import { createTestApp } from '../testing/app-harness.ts';

let kin: TestApp;
beforeEach(async () => {
  kin = await createTestApp();
});
afterEach(async () => kin.close());

const post = (body: unknown) =>
  kin.admin('/v1/privacy/requests', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

/** Sends a request and waits until it reached a final status. */
async function request(body: unknown): Promise<PrivacyRequest> {
  const res = await post(body);
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as PrivacyRequest;
  for (let i = 0; i < 200; i++) {
    const r = (await (await kin.admin(`/v1/privacy/requests/${id}`)).json()) as PrivacyRequest;
    if (r.status !== 'pending' && r.status !== 'running') return r;
    await new Promise((done) => setTimeout(done, 5));
  }
  throw new Error(`request ${id} did not finish`);
}

async function seed(): Promise<void> {
  await kin.track('/v1/batch', {
    batch: [
      { type: 'identify', userId: 'u-ann', anonymousId: 'anon-ann', traits: { email: 'ann@example.com', name: 'Ann' } },
      { type: 'track', anonymousId: 'anon-ann', event: 'Viewed' },
      { type: 'identify', userId: 'u-bob', traits: { email: 'bob@example.com', name: 'Bob' } },
      { type: 'track', userId: 'u-bob', event: 'Bought' },
    ],
  });
}

describe('privacy requests', () => {
  it('tells deleted-person listeners before the delete and after it; a listener that throws stops nothing', async () => {
    await seed();
    let calls = 0;
    kin.privacy.service.onPersonDeleted(() => {
      throw new Error('listener of ann@example.com failed');
    });
    kin.privacy.service.onPersonDeleted(() => calls++);
    expect((await request({ type: 'delete', subject: { ref: 'email:ann@example.com' } })).status).toBe('completed');
    expect(await kin.store.findProfileIdByIdentifier({ type: 'user_id', value: 'u-ann' })).toBeUndefined();
    expect(calls).toBe(2);
    const failed = kin.logLines.filter((l) => l.includes('deleted-person listener failed'));
    expect(failed).toHaveLength(2);
    expect(failed.join('\n')).not.toContain('ann@example.com');
  });

  it('answers 202 with the whole person resolved from any identifier', async () => {
    await seed();
    const res = await post({ type: 'export', subject: { ref: 'anonymous_id:anon-ann' }, reason: 'ticket 7' });
    expect(res.status).toBe(202);
    const body = (await res.json()) as PrivacyRequest;
    expect(body).toMatchObject({ type: 'export', status: 'pending', reason: 'ticket 7', destinations: [] });
    expect(body.subject.identifiers.sort()).toEqual(['anonymous_id:anon-ann', 'email:ann@example.com', 'user_id:u-ann']);
    expect(body.subject.profileId).toBe(await kin.store.findProfileIdByIdentifier({ type: 'email', value: 'ann@example.com' }));
  });

  it('names the bad field with invalid_privacy_request, and needs the admin token', async () => {
    const bad = await post({ type: 'forget', subject: { ref: 'email:a@b.c' } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_privacy_request', field: 'type' } });
    const noRef = await post({ type: 'delete', subject: {} });
    expect(await noRef.json()).toMatchObject({ error: { code: 'invalid_privacy_request', field: 'subject.ref' } });
    const badRef = await post({ type: 'delete', subject: { ref: 'email:not-an-email' } });
    expect(await badRef.json()).toMatchObject({ error: { code: 'invalid_ref', field: 'subject.ref' } });
    const unknownId = await post({ type: 'delete', subject: { ref: 'no-such-profile' } });
    expect(unknownId.status).toBe(404);
    const anonymous = await kin.app.request('/v1/privacy/requests', {
      method: 'POST',
      body: JSON.stringify({ type: 'export', subject: { ref: 'email:a@b.c' } }),
    });
    expect(anonymous.status).toBe(401);
    expect((await kin.app.request('/v1/privacy/requests')).status).toBe(401);
    expect((await kin.admin('/v1/privacy/requests/nope')).status).toBe(404);
  });

  it('delete removes the person, keeps no plain identifier in the request, and drops their later events', async () => {
    await seed();
    const before = (await (await kin.admin('/v1/stats')).json()) as Stats;
    const done = await request({ type: 'delete', subject: { ref: 'user_id:u-ann' } });
    expect(done).toMatchObject({ status: 'completed', store: { status: 'completed', outcome: { eventsDeleted: 2, identifiers: 3 } } });
    expect(done.completedAt).toBeDefined();
    expect(JSON.stringify(done)).not.toContain('ann@example.com');
    expect(done.subject.identifiers.every((k) => /^[a-z_]+\.[0-9a-f]{64}$/.test(k))).toBe(true);
    for (const ref of ['email:ann@example.com', 'anonymous_id:anon-ann', 'user_id:u-ann'])
      expect((await kin.admin(`/v1/profiles/${ref}`)).status).toBe(404);
    expect((await kin.admin('/v1/profiles/user_id:u-bob')).status).toBe(200);
    const after = (await (await kin.admin('/v1/stats')).json()) as Stats;
    expect([after.events, after.profiles]).toEqual([before.events - 2, before.profiles - 1]);

    // A fresh event on any former identifier, alone or beside a new one, is dropped and counted.
    const res = await kin.track('/v1/batch', {
      batch: [
        { type: 'track', anonymousId: 'anon-ann', event: 'Back' },
        { type: 'identify', userId: 'u-new', traits: { email: 'ann@example.com' } },
        { type: 'track', userId: 'u-bob', event: 'Again' },
      ],
    });
    expect(await res.json()).toMatchObject({ accepted: 1, suppressed: 2 });
    expect((await kin.admin('/v1/profiles/user_id:u-new')).status).toBe(404);
    const stats = (await (await kin.admin('/v1/stats')).json()) as Stats;
    expect(stats).toMatchObject({ events: after.events + 1, suppressedEvents: 2 });
    expect(kin.logLines.join('\n')).not.toContain('ann@example.com');
  });

  it('delete forgets the person’s computed traits and audience memberships, and nobody else’s', async () => {
    await seed();
    const ann = (await kin.store.findProfileIdByIdentifier({ type: 'user_id', value: 'u-ann' }))!;
    const bob = (await kin.store.findProfileIdByIdentifier({ type: 'user_id', value: 'u-bob' }))!;
    const state = { values: { lifetimeValue: 42 }, audiences: { vip: '2026-11-01T10:00:00.000Z' } };
    await kin.store.audiences.writeStates(
      [
        { profileId: ann, state, nextCheckAt: '2026-11-02T00:00:00.000Z' },
        { profileId: bob, state, nextCheckAt: null },
      ],
      [],
    );
    expect(await kin.store.audiences.countMembers('vip')).toBe(2);
    expect((await request({ type: 'delete', subject: { ref: 'email:ann@example.com' } })).status).toBe('completed');
    const states = await kin.store.audiences.readStates([ann, bob]);
    expect([{ ...states.get(ann)?.values }, { ...states.get(ann)?.audiences }]).toEqual([{}, {}]);
    expect(states.get(bob)?.values).toEqual({ lifetimeValue: 42 });
    expect((await kin.store.audiences.listMembers('vip', { limit: 10 })).data.map((m) => m.id)).toEqual([bob]);
    expect(await kin.store.audiences.dueProfiles('2099-01-01T00:00:00.000Z', 10)).toEqual([]);
  });

  it('suppress drops new events at the edge without deleting history; unsuppress lifts it', async () => {
    await seed();
    const done = await request({ type: 'suppress', subject: { ref: 'email:ann@example.com' } });
    expect(done.status).toBe('completed');
    const dropped = await kin.track('/v1/track', { anonymousId: 'anon-ann', event: 'Hidden' });
    expect(await dropped.json()).toMatchObject({ accepted: 0, suppressed: 1 });
    expect((await kin.admin('/v1/profiles/email:ann@example.com')).status).toBe(200);
    expect((await request({ type: 'unsuppress', subject: { ref: 'user_id:u-ann' } })).status).toBe('completed');
    const back = await kin.track('/v1/track', { anonymousId: 'anon-ann', event: 'Seen' });
    expect(await back.json()).toMatchObject({ accepted: 1, suppressed: 0 });
  });

  it('unsuppress never un-deletes', async () => {
    await seed();
    await request({ type: 'suppress_with_delete', subject: { ref: 'email:ann@example.com' } });
    await request({ type: 'unsuppress', subject: { ref: 'email:ann@example.com' } });
    const res = await kin.track('/v1/track', { anonymousId: 'anon-ann', event: 'Back' });
    expect(await res.json()).toMatchObject({ accepted: 0, suppressed: 1 });
  });

  it('exports one person as JSON and NDJSON, with nothing of anyone else', async () => {
    await seed();
    // Computed state and a messaging decision for each person: the export holds Ann's alone.
    const ann = (await kin.store.findProfileIdByIdentifier({ type: 'user_id', value: 'u-ann' }))!;
    const bob = (await kin.store.findProfileIdByIdentifier({ type: 'user_id', value: 'u-bob' }))!;
    await kin.store.audiences.writeStates(
      [
        { profileId: ann, state: { values: { orders: 3 }, audiences: { loyal: '2026-11-01T10:00:00.000Z' } }, nextCheckAt: null },
        {
          profileId: bob,
          state: { values: { orders: 9, bobOnly: true }, audiences: { bobAudience: '2026-11-01T10:00:00.000Z' } },
          nextCheckAt: null,
        },
      ],
      [],
    );
    const decision = (profileId: string, id: string) => ({
      id,
      journey: 'welcome',
      message: 'hello',
      instanceId: `ji-${id}`,
      profileId,
      dedupeKey: `welcome:${id}`,
      outcome: 'sent' as const,
      channel: 'email',
      rules: [],
      decidedAt: '2026-11-01T10:00:00.000Z',
    });
    await kin.store.messaging!.transaction(async (tx) => {
      await tx.insertDecision(decision(ann, 'dec-ann'));
      await tx.insertDecision(decision(bob, 'dec-bob'));
    });
    const delivery = (profileKey: string, id: string) => ({
      id,
      destinationId: 'dst-x',
      profileKey,
      kind: 'event' as const,
      payload: { event: { type: 'track' } },
      createdAt: '2026-11-01T10:00:00.000Z',
    });
    await kin.store.messaging!.enqueueDeliveries([delivery(ann, 'dlv-ann'), delivery(bob, 'dlv-bob')]);
    const click = (profileId: string, clickId: string) => ({
      clickId,
      linkId: 'lnk-x',
      kind: 'get' as const,
      at: '2026-11-01T10:00:00.000Z',
      bot: false,
      token: 'valid' as const,
      profileId,
      visitor: `r:${clickId}`,
    });
    await kin.store.transaction(async (tx) => {
      await tx.links.recordLinkClick(click(ann, 'clk-ann'));
      await tx.links.recordLinkClick(click(bob, 'clk-bob'));
    });
    const { id, status } = await request({ type: 'export', subject: { ref: 'email:ann@example.com' } });
    expect(status).toBe('completed');
    const doc = (await (await kin.admin(`/v1/privacy/requests/${id}/export`)).json()) as PrivacyExport;
    expect(doc.events.map((e) => e.event ?? e.type).sort()).toEqual(['Viewed', 'identify']);
    expect(doc.identifiers.map((i) => i.value).sort()).toEqual(['ann@example.com', 'anon-ann', 'u-ann']);
    expect(doc.traits.map((t) => t.key).sort()).toEqual(['email', 'name']);
    expect(doc.computed).toEqual({ orders: 3 });
    expect(doc.audiences).toEqual([{ key: 'loyal', enteredAt: '2026-11-01T10:00:00.000Z' }]);
    expect(doc.messages.map((m) => m.id)).toEqual(['dec-ann']);
    expect(doc.deliveries.map((d) => d.id)).toEqual(['dlv-ann']);
    expect(doc.clicks).toEqual([
      { clickId: 'clk-ann', linkId: 'lnk-x', kind: 'get', at: '2026-11-01T10:00:00.000Z', bot: false, profileId: ann },
    ]);
    expect(JSON.stringify(doc)).not.toMatch(/bob|Bought/i);
    const nd = await kin.admin(`/v1/privacy/requests/${id}/export`, { headers: { accept: 'application/x-ndjson' } });
    expect(nd.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = (await nd.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as PrivacyExportLine);
    expect(lines[0]?.kind).toBe('profile');
    expect(lines.filter((l) => l.kind === 'event')).toHaveLength(2);
    expect(lines.filter((l) => ['computed', 'audience', 'message', 'delivery', 'click'].includes(l.kind)).map((l) => l.kind)).toEqual([
      'computed',
      'audience',
      'message',
      'delivery',
      'click',
    ]);
    expect(lines.flatMap((l) => (l.kind === 'click' ? [l.click.clickId] : []))).toEqual(['clk-ann']);
    const del = await request({ type: 'delete', subject: { ref: 'email:bob@example.com' } });
    expect((await kin.admin(`/v1/privacy/requests/${del.id}/export`)).status).toBe(409);
    // Deleting Bob removed his messaging decisions too (storage/person-rows.ts).
    expect((await kin.store.messaging!.listDecisions({ limit: 10 })).map((d) => d.id)).toEqual(['dec-ann']);
    const list = (await (await kin.admin('/v1/privacy/requests?limit=1')).json()) as {
      data: PrivacyRequest[];
      cursor: { next: string | null };
    };
    expect(list.data.map((r) => r.id)).toEqual([del.id]);
    const next = (await (await kin.admin(`/v1/privacy/requests?cursor=${list.cursor.next}`)).json()) as { data: PrivacyRequest[] };
    expect(next.data.map((r) => r.id)).toEqual([id]);
  });
});

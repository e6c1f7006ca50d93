import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '@kin/core';
import { normalizerFor } from '../identity/policy-load.ts';
import { prepareOne } from '../pipeline/event-apply.ts';
import { LINKS_SOURCE_ID } from '../pipeline/link-click-apply.ts';
import type { LinkRecord } from '../storage/links-store.ts';
import type { LinkHit } from './link-events.ts';
import { hitEvent } from './link-events.ts';
import { createClickPreparer, hitPayload } from './link-prepare.ts';

const link: LinkRecord = {
  id: 'l-1',
  code: 'sale',
  url: 'https://shop.example/sale?utm_source=email',
  tags: ['t'],
  createdAt: '2026-12-01T00:00:00.000Z',
};
const campaign: LinkRecord = { ...link, id: 'l-2', code: 'c"ode', campaignId: 'spring "24"\u2028', url: 'https://shop.example/ä?q=1&r=2' };
const ann = { id: 'r-1', ref: { type: 'email', value: 'ann@example.com' } };
const blocked = { id: 'r-2', ref: { type: 'email', value: 'test@example.com' } };

/** Every shape of hit: each kind, token status, machine reason, with and without recipient, address and agent. */
function hits(): LinkHit[] {
  const out: LinkHit[] = [];
  let n = 0;
  for (const l of [link, campaign])
    for (const kind of ['get', 'head', 'open'] as const)
      for (const token of ['none', 'valid', 'invalid', 'expired', 'foreign'] as const)
        for (const machine of [undefined, 'user_agent', 'too_soon'] as const)
          for (const recipient of [undefined, ann, blocked])
            for (const [ip, userAgent] of [
              ['127.0.0.0', 'Mozilla/5.0 "quoted" \\ \u0007'],
              [undefined, undefined],
              ['::1', 'Mozilla/5.0'],
            ] as const)
              out.push({
                clickId: `01938a7e-0000-7000-8000-${String(n++).padStart(12, '0')}`,
                kind,
                link: l,
                at: '2026-12-06T01:02:03.456Z',
                token,
                machine,
                ...(recipient ? { recipient } : {}),
                ...(ip ? { ip } : {}),
                ...(userAgent ? { userAgent } : {}),
              });
  return out;
}

describe('a link hit prepared without the generic walks', () => {
  it('writes the same text as JSON.stringify of its event, for every shape of hit', () => {
    for (const hit of hits()) expect(hitPayload(hit)).toBe(JSON.stringify(hitEvent(hit)));
  });

  it('prepares each event as prepareOne does, a recipient extracted once, each event with its own identifiers', () => {
    const policy = {
      ...DEFAULT_POLICY,
      blocked: { ...DEFAULT_POLICY.blocked, exact: [...DEFAULT_POLICY.blocked.exact, 'test@example.com'] },
    };
    const deps = { policy, normalize: normalizerFor(policy) };
    const prepare = createClickPreparer(deps, 4);
    let withIdentifier = 0;
    let withRefusal = 0;
    for (const hit of hits()) {
      const event = hitEvent(hit);
      const prepared = prepare(event);
      expect(prepared).toEqual(prepareOne(event, LINKS_SOURCE_ID, deps, undefined));
      expect(prepared.event).toBe(event);
      if (prepared.identifiers.length > 0) withIdentifier++;
      if (prepared.refused.length > 0) withRefusal++;
    }
    expect(withIdentifier).toBeGreaterThan(0);
    expect(withRefusal).toBeGreaterThan(0);
    const [a, b] = [
      prepare(hitEvent({ ...hits()[0]!, kind: 'get', token: 'valid', machine: undefined, recipient: ann })),
      prepare(hitEvent({ ...hits()[1]!, kind: 'get', token: 'valid', machine: undefined, recipient: ann })),
    ];
    expect(a.identifiers).toEqual(b.identifiers);
    expect(a.identifiers[0]).not.toBe(b.identifiers[0]);
  });
});

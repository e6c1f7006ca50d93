/** Link hits of every shape for the tests of what is made of hits (link-prepare.test.ts, link-hit-wire.test.ts). */
import type { LinkRecord } from '../storage/links-store.ts';
import type { LinkHit } from './link-events.ts';

const link: LinkRecord = {
  id: 'l-1',
  code: 'sale',
  url: 'https://shop.example/sale?utm_source=email',
  tags: ['t'],
  createdAt: '2026-12-01T00:00:00.000Z',
};
const campaign: LinkRecord = { ...link, id: 'l-2', code: 'c"ode', campaignId: 'spring "24"\u2028', url: 'https://shop.example/ä?q=1&r=2' };
export const ann = { id: 'r-1', ref: { type: 'email', value: 'ann@example.com' } };
const blocked = { id: 'r-2', ref: { type: 'email', value: 'test@example.com' } };

/** Every shape of hit: each kind, token status, machine reason, with and without recipient, address and agent. */
export function hits(): LinkHit[] {
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

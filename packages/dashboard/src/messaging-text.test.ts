import { describe, expect, it } from 'vitest';
import type { Destination } from '@kin/core/api/index.ts';
import { branchTargets, decisionReasons, destinationLabel, endReasonText, journeyActions, journeyOutline } from './messaging-text.ts';

describe('messaging text', () => {
  it('outlines a journey: trigger, waits, sends with their channels, branches', () => {
    expect(
      journeyOutline({
        trigger: { event: 'Product Added', instanceKey: 'properties.cart_id' },
        steps: [
          { wait: '1 hour' },
          { branch: { if: { path: 'traits.vip', equals: true }, then: 'vip' } },
          { send: { message: 'cart-reminder', dedupeKey: 'cart', channels: ['email', 'push'], choose: 'best_engagement' } },
          { wait: 90 },
        ],
      }),
    ).toBe('Product Added → wait 1 hour → branch on traits.vip → send cart-reminder (email | push, best engagement) → wait 90s');
    expect(journeyOutline({ trigger: { audience: 'lapsed' }, steps: [] })).toBe('enters lapsed');
  });

  it('says where a branch goes: its target by number and id, the next step, or the end', () => {
    const steps = [
      { branch: { if: { path: 'traits.vip', equals: true }, then: 'vip' } },
      { wait: 60 },
      { id: 'vip', branch: { if: { path: 'traits.email', exists: false }, then: 'vip2', else: 'last' } },
      { id: 'vip2', wait: 60 },
      { id: 'last', branch: { if: { path: 'trigger.properties.total' }, then: 'nope' } },
    ];
    expect(branchTargets(steps, 0)).toEqual({ condition: 'traits.vip = true', then: 'step 3 (vip)', else: 'step 2' });
    expect(branchTargets(steps, 2)).toEqual({ condition: 'traits.email is missing', then: 'step 4 (vip2)', else: 'step 5 (last)' });
    expect(branchTargets(steps, 4)).toMatchObject({ condition: 'trigger.properties.total exists', else: 'the end' });
    expect(branchTargets(steps, 1)).toEqual({ condition: '', then: '', else: '' });
    expect(endReasonText('exit_rule')).toBe('exit rule');
    expect(endReasonText('some_reason')).toBe('some reason');
  });

  it('offers the actions a status allows', () => {
    expect(journeyActions('draft')).toEqual(['publish']);
    expect(journeyActions('published')).toEqual(['pause']);
    expect(journeyActions('paused')).toEqual(['resume']);
  });

  it('labels destinations by name, else type and address; the timeline by name; an unknown id as it is', () => {
    const list: Destination[] = [
      { id: 'd1', type: 'webhook', url: 'https://hooks.example/push', status: 'active', createdAt: '' },
      { id: 'd2', type: 'smtp', host: 'mail.example', port: 25, status: 'active', createdAt: '' },
      { id: 'd3', type: 'segment', name: 'Warehouse', status: 'active', createdAt: '' },
    ];
    expect(['d1', 'd2', 'd3', 'kin:timeline', 'gone'].map((id) => destinationLabel(id, list))).toEqual([
      'webhook · https://hooks.example/push',
      'smtp · mail.example:25',
      'Warehouse',
      'Kin timeline',
      'gone',
    ]);
  });

  it('lists decision outcomes largest first, without zeros', () => {
    expect(
      decisionReasons({
        sent: 3,
        skipped_duplicate: 3,
        skipped_cap: 0,
        deferred_quiet: 0,
        skipped_no_channel: 1,
        skipped_consent: 0,
        held_out: 5,
      }),
    ).toBe('held_out 5 · sent 3 · skipped_duplicate 3 · skipped_no_channel 1');
  });
});

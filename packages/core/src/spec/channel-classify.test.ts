import { describe, expect, it } from 'vitest';
import { classifyChannel } from './channel-classify.ts';

describe('classifyChannel', () => {
  it('recognises each channel from the source name and the context', () => {
    expect(classifyChannel({ type: 'identify', context: { device: { type: 'ios' } } }, 'crm')).toBe('crm');
    expect(
      classifyChannel({ type: 'page', context: { page: { path: '/' }, campaign: { medium: 'email' }, kin: { link: 't' } } }, 'web'),
    ).toBe('email');
    expect(classifyChannel({ type: 'track', context: {} }, 'email')).toBe('email');
    expect(classifyChannel({ type: 'track', context: { externalIds: [{ id: 'ann', type: 'instagram' }] } }, 'events')).toBe('social');
    expect(classifyChannel({ type: 'page', context: { page: {}, campaign: { source: 'twitter', medium: 'paid' } } }, 'web')).toBe('social');
    expect(classifyChannel({ type: 'track', context: { device: { type: 'android', id: 'd1' } } }, 'mobile-sdk')).toBe('app');
    expect(classifyChannel({ type: 'screen' }, '')).toBe('app');
    expect(classifyChannel({ type: 'track', context: { page: { path: '/cart' } } }, 'default')).toBe('web');
    expect(classifyChannel({ type: 'track' }, 'ios')).toBe('app');
    expect(classifyChannel({ type: 'track' }, 'default')).toBe('other');
  });

  it('keeps a kin_link landing without a campaign on the web', () => {
    expect(classifyChannel({ type: 'page', context: { page: { path: '/' }, kin: { link: 'abc' } } }, 'web')).toBe('web');
  });
});

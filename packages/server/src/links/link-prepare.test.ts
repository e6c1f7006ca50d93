import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '@kin/core';
import { normalizerFor } from '../identity/policy-load.ts';
import { prepareOne } from '../pipeline/event-apply.ts';
import { LINKS_SOURCE_ID } from '../pipeline/link-click-apply.ts';
import { hitEvent } from './link-events.ts';
import { ann, hits } from './link-hit-fixtures.ts';
import { createClickPreparer, hitPayload } from './link-prepare.ts';

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

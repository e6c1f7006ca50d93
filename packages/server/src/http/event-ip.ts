/**
 * The IP policy at the edge: what an event keeps of `context.ip` (policy `privacy.ip`: drop, truncate — the
 * default — or keep; the cut itself is core's spec/ip-policy.ts). Applied by the tracking routes to every
 * validated event before it reaches the ingestor, so neither the embedded writer nor a NATS collector ever
 * holds more of the address than the policy keeps.
 */
import type { IpMode, TrackingEvent } from '@kin/core';
import { applyIpPolicy } from '@kin/core';

/** The event as the policy lets it be stored (the same object when there is nothing to change). */
export function withIpPolicy(event: TrackingEvent, mode: IpMode): TrackingEvent {
  const context = event.context;
  if (mode === 'keep' || !context || !Object.hasOwn(context, 'ip')) return event;
  const ip = context['ip'];
  // A value that is not a string cannot be an address: nothing of it is kept.
  const kept = typeof ip === 'string' ? applyIpPolicy(ip, mode) : undefined;
  const rest = { ...context };
  delete rest['ip'];
  return { ...event, context: kept === undefined ? rest : { ...rest, ip: kept } };
}

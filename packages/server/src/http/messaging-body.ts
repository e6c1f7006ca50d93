/**
 * Zod schemas of the journeys, messaging policy and destination bodies: the JSON shape, checked once at the
 * edge. What the shape cannot say (durations, the step graph, channel references) is core's `checkJourney`
 * and `checkPolicy`. A problem answers 400 with its field (`steps[2]`, `channels.email.destination`), parsed by
 * admin-body.ts's `parseAdminBody` like every admin body.
 */
import { z } from 'zod';

const name = z.string().min(1).max(200);
const duration = z.union([z.number(), z.string().max(40)]);
const key = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'a key is 1–64 lower-case letters, digits, - or _');
const templateMap = z.record(z.string().max(200), z.string().max(500));

const trigger = z.union([
  z.strictObject({ event: name, instanceKey: z.string().max(200).optional() }),
  z.strictObject({ audience: name, instanceKey: z.string().max(200).optional() }),
]);
const exitRule = z.union([
  z.strictObject({ event: name, match: templateMap.optional() }),
  z.strictObject({ audience: name, entered: z.literal(true) }),
]);
const stepId = z.string().min(1).max(64).optional();
const send = z.strictObject({
  message: name,
  dedupeKey: z.string().min(1).max(500),
  channels: z.array(name).max(10),
  choose: z.enum(['first_eligible', 'best_engagement']).optional(),
  ttl: duration.optional(),
  tags: z.array(name).max(20).optional(),
  email: z
    .strictObject({
      subject: z.string().min(1).max(500).optional(),
      text: z.string().max(100_000).optional(),
      html: z.string().max(500_000).optional(),
    })
    .optional(),
  content: z
    .record(z.string().regex(/^[A-Za-z_]\w{0,63}$/, 'a content name is 1–64 letters, digits or _'), z.string().max(10_000))
    .refine((c) => Object.keys(c).length <= 20, 'at most 20 content templates')
    .optional(),
});
const condition = z.strictObject({
  path: z.string().min(1).max(200),
  equals: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
  exists: z.boolean().optional(),
});
const step = z.union([
  z.strictObject({ id: stepId, wait: duration }),
  z.strictObject({ id: stepId, send }),
  z.strictObject({
    id: stepId,
    branch: z.strictObject({ if: condition, then: z.string().min(1).max(64), else: z.string().min(1).max(64).optional() }),
  }),
]);

/** `POST /v1/journeys`. */
export const journeySchema = z.strictObject({
  key,
  name: name.optional(),
  trigger,
  entry: z.strictObject({ maxPerProfile: z.number().int().min(1).max(1000).optional() }).optional(),
  exit: z.array(exitRule).max(20).optional(),
  steps: z.array(step).min(1).max(50),
  holdout: z.strictObject({ percent: z.number().min(0).max(100), group: name.optional() }).optional(),
  goal: z.strictObject({ event: name, within: duration }).optional(),
});

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time is HH:MM');

/** `PUT /v1/messaging/policy`. */
export const policySchema = z.strictObject({
  frequencyCaps: z
    .array(z.strictObject({ channel: name, tag: name.optional(), max: z.number().int().min(0).max(10_000), per: duration }))
    .max(50)
    .default([]),
  capCounting: z.enum(['calendar_user_tz', 'rolling']).default('rolling'),
  quietHours: z
    .strictObject({ start: clock, end: clock, channels: z.array(name).optional(), fallback: z.enum(['defer', 'drop']).default('defer') })
    .optional(),
  timezoneTrait: name.default('timezone'),
  defaultTimezone: name.default('UTC'),
  channels: z.record(name, z.strictObject({ destination: name, consent: z.enum(['opt_in', 'opt_out']), contact: name.optional() })),
});

const httpUrl = z.url({ protocol: /^https?$/ });
const events = z.array(name).max(200);

/** `POST /v1/destinations`. */
export const destinationSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('webhook'),
    name: name.optional(),
    url: httpUrl,
    secret: z.string().min(8).max(500),
    events: events.optional(),
  }),
  z.strictObject({
    type: z.literal('smtp'),
    name: name.optional(),
    host: z.string().min(1).max(255),
    port: z.number().int().min(1).max(65_535),
    secure: z.boolean(),
    from: z.string().min(3).max(320),
    auth: z.strictObject({ user: z.string().max(320), pass: z.string().max(500) }).optional(),
  }),
  z.strictObject({ type: z.literal('segment'), name: name.optional(), url: httpUrl, writeKey: z.string().min(1).max(500), events }),
]);

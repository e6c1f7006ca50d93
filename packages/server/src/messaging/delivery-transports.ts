/**
 * How a delivery reaches each kind of destination: webhooks (Standard Webhooks signatures), Segment's
 * tracking API, SMTP (nodemailer; `secure: false` is plain SMTP with opportunistic STARTTLS) and Kin's own
 * timeline (through the ingest port). Each answers an `AttemptResult`; `delivery-retry.ts` says what it means.
 * Every attempt carries the delivery id as its idempotency key (`Idempotency-Key`, `webhook-id`, the
 * event's `messageId`, the mail's `Message-ID`), so a receiver can drop the duplicates at-least-once brings.
 */
import { createHmac } from 'node:crypto';
import type { TrackingEvent } from '@kin/core';
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { EmailLinkTracker, OutgoingEmail } from '../links/email-links.ts';
import type { Ingestor } from '../pipeline/ingest-port.ts';
import type { Clock } from '../ports/clock.ts';
import type { ClaimedDelivery, StoredDestination } from '../storage/messaging-store.ts';
import type { AttemptResult } from './delivery-retry.ts';
import { retryAfterMs } from './delivery-retry.ts';

/** Sends one delivery to one destination. */
export interface DeliveryTransport {
  send(destination: StoredDestination, delivery: ClaimedDelivery): Promise<AttemptResult>;
  /** Writes `Message Decided` entries onto their profiles' timelines, all in one submission. */
  timeline(deliveries: ClaimedDelivery[]): Promise<AttemptResult>;
  close(): Promise<void>;
}

/** A delivery's payload: the event, and for messages the rendered email. */
interface Payload {
  event: TrackingEvent;
  email?: OutgoingEmail;
}

/** The Standard Webhooks signature of a body: `v1,<base64 HMAC-SHA256(secret, id.timestamp.body)>`. */
export function webhookSignature(secret: string, id: string, timestamp: number, body: string): string {
  // A `whsec_` secret is base64 after its prefix (the spec's form); any other secret is used as its bytes.
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

async function post(url: string, body: string, headers: Record<string, string>, clock: Clock, timeoutMs: number): Promise<AttemptResult> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    await res.arrayBuffer().catch(() => undefined);
    const retryAfter = retryAfterMs(res.headers.get('retry-after'), clock.now());
    return { status: res.status, ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}) };
  } catch (error) {
    return { error: error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 200) : 'network error' };
  }
}

/** SMTP reply codes as HTTP-like statuses: 2xx delivered, 4xx transient (retried as 503), 5xx permanent (400). */
function smtpStatus(code: number | undefined): number | undefined {
  if (code === undefined) return undefined;
  if (code >= 200 && code < 300) return 200;
  if (code >= 400 && code < 500) return 503;
  return 400;
}

/** The transports of every destination type. */
export function createDeliveryTransports(options: {
  clock: Clock;
  ingestor?: Ingestor;
  timelineSourceId?: string;
  timeoutMs?: number;
  /** Makes an email's links tracked links for its recipient (links/email-links.ts); the mail is sent as written without it. */
  emailLinks?: EmailLinkTracker;
}): DeliveryTransport {
  const { clock } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const mailers = new Map<string, Transporter>();

  return {
    async timeline(deliveries) {
      if (!options.ingestor || !options.timelineSourceId) return { error: 'no ingest path for the timeline' };
      const receivedAt = clock.now().toISOString();
      try {
        await options.ingestor.submit({
          sourceId: options.timelineSourceId,
          events: deliveries.map((d) => ({ ...(d.payload as Payload).event, receivedAt })),
        });
        return { status: 200 };
      } catch (error) {
        return { error: error instanceof Error ? error.message.slice(0, 200) : 'ingest failed' };
      }
    },
    async send(destination, delivery) {
      const payload = delivery.payload as Payload;
      const c = destination.config;
      if (destination.type === 'webhook') {
        const body = JSON.stringify(payload.event);
        const timestamp = Math.floor(clock.now().getTime() / 1000);
        return post(
          c.url as string,
          body,
          {
            'idempotency-key': delivery.id,
            'webhook-id': delivery.id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': webhookSignature(c.secret as string, delivery.id, timestamp, body),
          },
          clock,
          timeoutMs,
        );
      }
      if (destination.type === 'segment') {
        const body = JSON.stringify({ ...payload.event, messageId: delivery.id, sentAt: clock.now().toISOString() });
        const url = `${(c.url as string).replace(/\/+$/, '')}/v1/${payload.event.type}`;
        return post(
          url,
          body,
          { authorization: `Basic ${Buffer.from(`${c.writeKey as string}:`).toString('base64')}`, 'idempotency-key': delivery.id },
          clock,
          timeoutMs,
        );
      }
      if (!payload.email) return { status: 422, error: 'the profile has no email address' };
      let mailer = mailers.get(destination.id);
      if (!mailer) {
        const auth = c.auth as { user: string; pass: string } | undefined;
        mailer = nodemailer.createTransport({
          host: c.host as string,
          port: c.port as number,
          secure: c.secure === true,
          ...(auth ? { auth } : {}),
          connectionTimeout: timeoutMs,
          socketTimeout: timeoutMs,
        });
        mailers.set(destination.id, mailer);
      }
      const properties = payload.event.properties ?? {};
      const email = options.emailLinks
        ? await options.emailLinks
            .track(payload.email, { journey: String(properties['journey'] ?? ''), message: String(properties['message'] ?? '') })
            .catch((error: unknown) => ({
              error: `tracked links: ${error instanceof Error ? error.message.slice(0, 180) : 'failed'}`,
            }))
        : payload.email;
      if ('error' in email) return { error: email.error };
      try {
        const info = await mailer.sendMail({
          from: c.from as string,
          to: email.to,
          subject: email.subject,
          text: email.text,
          ...(email.html !== undefined ? { html: email.html } : {}),
          messageId: `<${delivery.id}@kin>`,
          headers: { 'Idempotency-Key': delivery.id },
        });
        return { status: smtpStatus(Number(/^(\d{3})/.exec(info.response ?? '')?.[1] ?? 250)) ?? 200 };
      } catch (error) {
        const code = (error as { responseCode?: number }).responseCode;
        const status = smtpStatus(code);
        return { ...(status !== undefined ? { status } : {}), error: error instanceof Error ? error.message.slice(0, 200) : 'smtp error' };
      }
    },
    async close() {
      for (const mailer of mailers.values()) mailer.close();
      mailers.clear();
    },
  };
}

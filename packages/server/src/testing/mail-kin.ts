/**
 * Kin on a socket (fixed clock, fast messaging polls) whose messaging policy has one `email` channel (opt-in)
 * to a real local SMTP server: the start of the email end-to-end tests.
 */
import { fixedClock } from '../ports/clock.ts';
import { startSmtpServer } from './delivery-receivers.ts';
import { adminJson, startTestKin } from './kin-harness.ts';
import type { TestKin } from './kin-harness.ts';

/** Starts both; each closer is pushed onto `closers` (close them in reverse). */
export async function startMailKin(closers: Array<() => Promise<void>>): Promise<{
  smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  kin: TestKin;
  clock: ReturnType<typeof fixedClock>;
  json: (path: string, body: unknown, method?: string) => Promise<Record<string, unknown>>;
}> {
  const smtp = await startSmtpServer();
  closers.push(smtp.close);
  const clock = fixedClock('2026-06-01T12:00:00.000Z');
  const kin = await startTestKin({ clock, env: { KIN_MESSAGING_POLL_MS: '20' } });
  closers.push(kin.close);
  const json = (path: string, body: unknown, method?: string) => adminJson(kin, path, body, method);
  const mail = await json('/v1/destinations', { type: 'smtp', host: '127.0.0.1', port: smtp.port, secure: false, from: 'shop@kin.test' });
  await json('/v1/messaging/policy', { channels: { email: { destination: mail.id, consent: 'opt_in' } } }, 'PUT');
  return { smtp, kin, clock, json };
}

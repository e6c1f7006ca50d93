/**
 * Real local receivers for delivery tests: a webhook receiver (node:http) that records every request and can
 * answer with chosen statuses, and an SMTP server (the `smtp-server` package, plain SMTP) that records mail.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One request the webhook receiver got. */
export interface ReceivedHook {
  /** The request's path (`/hook`, or `/v1/track` for a Segment destination). */
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
}

/** A webhook receiver; `answer` picks each request's status (default 200). */
export async function startWebhookReceiver(
  answer: (hook: Omit<ReceivedHook, 'status'>) => number = () => 200,
): Promise<{ url: string; received: ReceivedHook[]; close(): Promise<void> }> {
  const received: ReceivedHook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      const hook = { path: req.url ?? '', headers, body: Buffer.concat(chunks).toString('utf8') };
      const status = answer(hook);
      received.push({ ...hook, status });
      res.writeHead(status, status === 429 ? { 'retry-after': '1' } : {}).end();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/**
 * An `answer` for `startWebhookReceiver` that fails the first attempt of 10 % of Idempotency-Keys with 500 and
 * of 5 % with 429, and answers 200 to every later attempt. Which keys fail is a stable draw from the key (a
 * hash), so it does not depend on timing.
 */
export function failingFirstAttempts(): (hook: Omit<ReceivedHook, 'status'>) => number {
  const seen = new Set<string>();
  return (hook) => {
    const key = hook.headers['idempotency-key'] ?? '';
    if (seen.has(key)) return 200;
    seen.add(key);
    const x = createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32;
    return x < 0.1 ? 500 : x < 0.15 ? 429 : 200;
  };
}

/** One mail the SMTP server got. */
export interface ReceivedMail {
  to: string[];
  data: string;
}

/** A plain SMTP server on a free port (no TLS, no authentication). */
export async function startSmtpServer(): Promise<{ port: number; mails: ReceivedMail[]; close(): Promise<void> }> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), data: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    port: (server.server.address() as AddressInfo).port,
    mails,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** The text and HTML parts of a raw multipart mail, quoted-printable decoded. */
export function mailParts(raw: string): { text: string; html: string } {
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(raw)?.[1];
  const out = { text: '', html: '' };
  for (const part of boundary ? raw.split(`--${boundary}`) : [raw]) {
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const headers = part.slice(0, split);
    let body = part.slice(split + 4);
    if (/content-transfer-encoding:\s*quoted-printable/i.test(headers)) {
      body = Buffer.from(
        body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        'latin1',
      ).toString('utf8');
    }
    if (/content-type:\s*text\/plain/i.test(headers)) out.text = body;
    if (/content-type:\s*text\/html/i.test(headers)) out.html = body;
  }
  return out;
}

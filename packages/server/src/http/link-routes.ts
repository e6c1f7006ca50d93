/**
 * Tracked links over HTTP (docs/links.md). Admin token: `POST /v1/links`, `GET /v1/links`,
 * `POST /v1/links/{id}/recipients`, `GET /v1/links/{id}/stats`. Public: `GET|HEAD /l/{code}[?r=token]` (302
 * to the destination with `kin_link`) and `GET /o/{token}.gif` (the open pixel). A hit never waits for its
 * event's write (links/link-click-queue.ts) and never fails on a bad token: it redirects and flags.
 */
import { formatFieldPath } from '@kin/core';
import { publicRoute, scope } from './route-scope.ts';
import type { IncomingMessage } from 'node:http';
import { Hono } from 'hono';
import type { Context } from 'hono';
import { z } from 'zod';
import type { LinksConfig } from '../config.ts';
import type { Ingestor } from '../pipeline/ingest-port.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/ids.ts';
import type { Logger } from '../ports/logger.ts';
import type { Store } from '../storage/storage.ts';
import type { ClickQueue } from '../links/link-click-queue.ts';
import { createClickQueue } from '../links/link-click-queue.ts';
import { hitSubmission } from '../links/link-prepare.ts';
import type { LinkService } from '../links/link-service.ts';
import { createLinkService, parseRecipientRef } from '../links/link-service.ts';
import type { PrivacyService } from '../privacy/privacy-requests.ts';
import { ApiError } from './error-catalog.ts';
import { readAdminBody } from './admin-body.ts';
import { jsonText, parseCursor, parseLimit } from './query-params.ts';
import type { AdminReads } from './admin-reads.ts';

/** The public routes (no token: a shopper's browser and mail client call them). */
export const LINK_PUBLIC_ROUTES = ['/l/:code', '/o/:file'] as const;

/** Recipients per `POST /v1/links/{id}/recipients`. */
export const MAX_RECIPIENTS = 10_000;

/** What the routes need. */
export interface LinkRouteDeps {
  store: Store;
  ingestor: Ingestor;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  normalize: (type: string, raw: unknown) => string | undefined;
  maxBodyBytes: number;
  /** Defaults: IP truncated, a secret kept in the store, the request's origin, a 10-second scanner window. */
  linksConfig?: LinksConfig;
  /** Made by the composition root so a stop drains it before the ingestor; one of its own otherwise. */
  linkClicks?: ClickQueue;
  /** The admin reads on the read thread (embedded mode); link stats are read there when given. */
  reads?: AdminReads;
  /** The service the composition root also serves redirects with (links/link-fast-path.ts); one of its own otherwise. */
  linkService?: LinkService;
  /** Privacy deletes: the service forgets its recipients after each (absent: no privacy routes, no deletes). */
  privacy?: { service: Pick<PrivacyService, 'onPersonDeleted'> };
}

const DEFAULT_CONFIG: LinksConfig = { ip: 'truncate', scannerSeconds: 10 };
const hasControl = (value: string): boolean => [...value].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
const text = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((value) => !hasControl(value), 'no control characters');
const utmValue = text(200);
const linkBody = z.strictObject({
  url: z
    .string()
    .max(4096)
    .refine((url) => URL.canParse(url) && /^https?:$/.test(new URL(url).protocol), 'an absolute http or https URL'),
  key: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, '1-64 letters, digits, - or _')
    .optional(),
  utm: z
    .strictObject({
      source: utmValue.optional(),
      medium: utmValue.optional(),
      campaign: utmValue.optional(),
      content: utmValue.optional(),
      term: utmValue.optional(),
    })
    .optional(),
  campaignId: text(200).optional(),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
  tags: z.array(text(100)).max(50).optional(),
});
const recipientsBody = z.strictObject({ refs: z.array(z.string().max(1000)).min(1).max(MAX_RECIPIENTS) });

// A transparent 1×1 GIF.
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/** The destination with each UTM value lower-cased onto it as `utm_<name>`. */
export function withUtm(url: string, utm: z.infer<typeof linkBody>['utm']): string {
  const target = new URL(url);
  for (const [name, value] of Object.entries(utm ?? {}))
    if (value !== undefined) target.searchParams.set(`utm_${name}`, value.toLowerCase());
  return target.href;
}

/** The socket's client address (none under `app.request()`). */
function remoteAddress(c: Context): string | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket.remoteAddress;
}

/** Builds the routes. */
export function linkRoutes(deps: LinkRouteDeps): Hono {
  const app = new Hono();
  const service: LinkService =
    deps.linkService ??
    createLinkService({
      store: deps.store,
      links: deps.store.links,
      clock: deps.clock,
      ids: deps.ids,
      config: deps.linksConfig ?? DEFAULT_CONFIG,
      clicks: deps.linkClicks ?? createClickQueue({ ingestor: deps.ingestor, logger: deps.logger, submission: hitSubmission() }),
      normalize: deps.normalize,
    });
  deps.privacy?.service.onPersonDeleted(() => service.forgetRecipients());
  const origin = (c: Context): string => new URL(c.req.url).origin;
  const linkOf = async (id: string) => {
    const link = await service.find(id);
    if (!link) throw new ApiError('not_found', 'no link has this id', 'id');
    return link;
  };

  app.post('/v1/links', scope('config:write'), async (c) => {
    const body = await readAdminBody({ request: c.req.raw, maxBytes: deps.maxBodyBytes, schema: linkBody, code: 'invalid_link' });
    const created = await service.create(
      {
        url: withUtm(body.url, body.utm),
        tags: body.tags ?? [],
        ...(body.key !== undefined ? { key: body.key } : {}),
        ...(body.campaignId !== undefined ? { campaignId: body.campaignId } : {}),
        ...(body.expiresAt !== undefined ? { expiresAt: new Date(body.expiresAt).toISOString() } : {}),
      },
      origin(c),
    );
    if (created === 'code_taken') throw new ApiError('conflict', 'another link has this key', 'key');
    return c.json(created, 201);
  });

  app.get('/v1/links', scope('analytics:read'), async (c) => {
    const cursor = parseCursor(c.req.query('cursor'), 'links');
    return c.json(await service.list({ limit: parseLimit(c.req.query('limit'), 50, 500), ...cursor }, origin(c)));
  });

  app.post('/v1/links/:id/recipients', scope('config:write'), async (c) => {
    const link = await linkOf(c.req.param('id'));
    const body = await readAdminBody({ request: c.req.raw, maxBytes: deps.maxBodyBytes, schema: recipientsBody, code: 'invalid_ref' });
    const refs = body.refs.map((ref, i) => {
      const parsed = parseRecipientRef(ref, deps.normalize);
      if (!parsed)
        throw new ApiError(
          'invalid_ref',
          `"${ref.slice(0, ref.indexOf(':') + 1)}…" is not a valid type:value ref`,
          formatFieldPath(['refs', i]),
        );
      return { ref, ...parsed };
    });
    return c.json({ data: await service.addRecipients(link, refs, origin(c)) });
  });

  // On the read thread when there is one: counting a link's clicks must not hold the thread of its redirects.
  app.get('/v1/links/:id/stats', scope('analytics:read'), async (c) =>
    deps.reads ? jsonText(c, await deps.reads.linkStats(c.req.param('id'))) : c.json(await service.stats(await linkOf(c.req.param('id')))),
  );

  // Hono answers HEAD with the GET route; the raw method tells them apart.
  app.get(LINK_PUBLIC_ROUTES[0], publicRoute, async (c) => {
    const code = c.req.param('code');
    const target = /^[A-Za-z0-9_-]{1,64}$/.test(code)
      ? await service.hit({
          code,
          token: c.req.query('r'),
          head: c.req.raw.method === 'HEAD',
          userAgent: c.req.header('user-agent'),
          ip: remoteAddress(c),
        })
      : undefined;
    if (target === undefined) throw new ApiError('not_found', 'no link has this code', 'code');
    c.header('Cache-Control', 'no-store');
    return c.redirect(target, 302);
  });

  app.get(LINK_PUBLIC_ROUTES[1], publicRoute, async (c) => {
    const file = c.req.param('file');
    if (!file.endsWith('.gif')) throw new ApiError('not_found', 'no such pixel', 'token');
    // An unknown token still gets the image: a broken image in a mail says nothing useful to the reader.
    await service.open({ token: file.slice(0, -4), userAgent: c.req.header('user-agent'), ip: remoteAddress(c) });
    return c.body(PIXEL, 200, { 'Content-Type': 'image/gif', 'Cache-Control': 'no-store' });
  });

  return app;
}

/**
 * `POST /v1/imports?source=NAME&format=csv|jsonl` (admin token): a bulk import whose body — CSV or JSON
 * lines, optionally gzip — is received into a temporary file (see import-spool.ts), then streamed and
 * applied in chunks of 1,000 rows through the ingestor, so a body of any size runs in bounded memory.
 * The answer counts rows, imports, duplicates and rejects.
 */
import { Hono } from 'hono';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createGunzip } from 'node:zlib';
import { sourcePhoneRegion } from '@kin/core';
import type { IdentifierNormalizer, IdentityPolicy } from '@kin/core';
import { createColumnPlanner, type ImportMapping } from '../import/import-columns.ts';
import { DEFAULT_MAX_RECORD_BYTES, ImportReadError, isDelimiter, openRowStream, type ImportFormat } from '../import/import-reader.ts';
import { rowToEvent } from '../import/import-row.ts';
import { runImport, summaryCounts, type ImportSummary } from '../import/import-run.ts';
import { SOURCE_NAME, ensureImportSource } from '../import/import-source.ts';
import { spoolBody } from '../import/import-spool.ts';
import type { Ingestor } from '../pipeline/ingest-port.ts';
import type { Clock } from '../ports/clock.ts';
import type { Store } from '../storage/storage.ts';
import type { KinConfig } from '../config.ts';
import { ApiError } from './error-catalog.ts';
import { scope } from './route-scope.ts';

/** What the import route needs. */
export interface ImportRouteDeps {
  store: Store;
  ingestor: Ingestor;
  clock: Clock;
  config: Pick<KinConfig, 'limits'> & Partial<Pick<KinConfig, 'imports'>>;
  normalize: IdentifierNormalizer;
  /** For the source's phone region (`sources.<name>.defaultPhoneRegion`); the defaults when absent. */
  policy?: IdentityPolicy;
}

/** Rows per ingestor submission (one transaction each, shared with concurrent tracking traffic). */
const CHUNK_ROWS = 1000;

function formatOf(query: string | undefined, contentType: string | undefined): ImportFormat {
  if (query !== undefined) {
    if (query === 'csv' || query === 'jsonl') return query;
    throw new ApiError('invalid_query', 'format is csv or jsonl', 'format');
  }
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return /ndjson|jsonl|json-lines|json-seq/.test(type) ? 'jsonl' : 'csv';
}

function mappingOf(raw: string | undefined): ImportMapping | undefined {
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ApiError('invalid_query', 'map is a JSON object of column -> role', 'map');
  }
  if (
    parsed === null ||
    typeof parsed !== 'object' ||
    Array.isArray(parsed) ||
    !Object.values(parsed).every((v) => typeof v === 'string')
  ) {
    throw new ApiError('invalid_query', 'map is a JSON object of column -> role', 'map');
  }
  return parsed as ImportMapping;
}

/** Reads the body's rows and applies them in chunks through the ingestor. */
async function importBody(
  deps: ImportRouteDeps,
  input: AsyncIterable<Uint8Array>,
  options: { source: string; sourceId: string; format: ImportFormat; mapping: ImportMapping | undefined; delimiter: string | undefined },
): Promise<ImportSummary & { ignoredColumns: string[] }> {
  const stream = await openRowStream(input, {
    format: options.format,
    maxRecordBytes: deps.config.imports?.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES,
    ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}),
  }).catch((error: unknown) => {
    if (error instanceof ImportReadError) throw new ApiError('invalid_import', error.message);
    throw error;
  });
  if (options.format === 'csv' && (stream.headers ?? []).length === 0) throw new ApiError('invalid_import', 'the body has no header row');
  const planner = createColumnPlanner(options.mapping);
  for (const header of stream.headers ?? []) planner.roleOf(header);
  const maxEventBytes = deps.config.limits.maxEventBytes;
  const phoneRegion = deps.policy ? sourcePhoneRegion(deps.policy, options.source) : undefined;
  const normalize: IdentifierNormalizer = phoneRegion ? (type, raw) => deps.normalize(type, raw, { phoneRegion }) : deps.normalize;
  const summary = await runImport({
    rows: stream.rows,
    chunkSize: CHUNK_ROWS,
    toEvent: (values) =>
      rowToEvent(values, { source: options.source, planner, normalize, at: deps.clock.now().toISOString(), maxEventBytes }),
    apply: (events) => deps.ingestor.submit({ sourceId: options.sourceId, events }),
  });
  return { ...summary, ignoredColumns: planner.ignoredColumns() };
}

/** Builds the import route. */
export function importRoutes(deps: ImportRouteDeps): Hono {
  const app = new Hono();
  app.post('/v1/imports', scope('profiles:write'), async (c) => {
    const source = c.req.query('source');
    if (source === undefined || !SOURCE_NAME.test(source)) {
      throw new ApiError('invalid_query', 'source is required: 1-64 letters, digits, dots, dashes or underscores', 'source');
    }
    const format = formatOf(c.req.query('format'), c.req.header('content-type'));
    const delimiter = c.req.query('delimiter');
    if (delimiter !== undefined && !isDelimiter(delimiter))
      throw new ApiError('invalid_query', 'delimiter is one ASCII character other than a quote or a line end', 'delimiter');
    const mapping = mappingOf(c.req.query('map'));
    const encoding = (c.req.header('content-encoding') ?? 'identity').trim().toLowerCase();
    if (!['identity', '', 'gzip', 'x-gzip'].includes(encoding)) {
      throw new ApiError('unsupported_encoding', `content-encoding ${encoding} is not supported (use gzip or none)`, 'Content-Encoding');
    }
    const body = c.req.raw.body;
    if (!body) throw new ApiError('invalid_import', 'the body is empty');
    const spooled = await spoolBody(Readable.fromWeb(body as unknown as WebReadableStream<Uint8Array>), deps.config.imports?.spoolDir);
    let summary: Awaited<ReturnType<typeof importBody>>;
    try {
      if (spooled.bytes === 0) throw new ApiError('invalid_import', 'the body is empty');
      let input: Readable = spooled.open();
      if (encoding === 'gzip' || encoding === 'x-gzip') input = input.pipe(createGunzip());
      const sourceRecord = await ensureImportSource(deps.store, source, deps.clock.now());
      summary = await importBody(deps, input, { source, sourceId: sourceRecord.id, format, mapping, delimiter }).catch((error: unknown) => {
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'string' && code.startsWith('Z_')) throw new ApiError('invalid_import', 'the body is not valid gzip');
        throw error;
      });
    } finally {
      await spooled.remove();
    }
    return c.json({
      source,
      format,
      ...summaryCounts(summary),
      ignoredColumns: summary.ignoredColumns,
      rejects: summary.rejects,
    });
  });
  app.on(['GET', 'PUT', 'PATCH', 'DELETE'], '/v1/imports', scope('profiles:write'), () => {
    throw new ApiError('method_not_allowed', 'imports take POST', 'method');
  });
  return app;
}

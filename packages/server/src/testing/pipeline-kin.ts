/**
 * A Kin in collect mode for service tests: collector and worker over a fresh PostgreSQL database and
 * JetStream stream names of its own, with a known admin token and one write key (`web`). The suite's
 * `pipelineResources` removes the server, the stream and the database after its tests.
 */
import { parseConfig } from '../config.ts';
import type { RunningKin } from '../main.ts';
import { startKin } from '../main.ts';
import type { Clock } from '../ports/clock.ts';
import { memoryLogger } from '../ports/logger.ts';
import type { PipelineResources } from './pipeline-services.ts';

/** Starts collector + worker; everything it creates is undone by `resources`. */
export async function startPipelineKin(options: {
  adminToken: string;
  writeKey: string;
  resources: PipelineResources;
  env?: Record<string, string>;
  clock?: Clock;
}): Promise<RunningKin> {
  const { resources } = options;
  const { env } = await resources.kinEnv();
  const config = parseConfig({ ...env, KIN_ADMIN_TOKEN: options.adminToken, KIN_WRITE_KEYS: `web:${options.writeKey}`, ...options.env });
  const kin = await startKin({ config, logger: memoryLogger(), ...(options.clock ? { clock: options.clock } : {}) });
  resources.cleanups.push(() => kin.close());
  return kin;
}

/** Starts the API's node:http server with the configured settings (server-options.ts). */
import { serve, type ServerType } from '@hono/node-server';
import type { createServer } from 'node:http';
import type { KinConfig } from '../config.ts';
import { cannotListen } from '../ops/startup-error.ts';
import { capConnections, serverOptionsOf } from './server-options.ts';

/** Listens on the configured host and port; rejects with `cannotListen` (a StartupError) when it cannot. */
export function listen(options: {
  fetch: Parameters<typeof serve>[0]['fetch'];
  config: Pick<KinConfig, 'host' | 'port' | 'server'>;
  /** The node:http `createServer` to use (links/link-fast-path.ts answers redirects before the app). */
  createServer: typeof createServer;
}): Promise<ServerType> {
  const { fetch, config, createServer } = options;
  return new Promise<ServerType>((resolveServer, reject) => {
    const s = serve({ fetch, port: config.port, hostname: config.host, serverOptions: serverOptionsOf(config.server), createServer }, () =>
      resolveServer(s),
    );
    capConnections(s, config.server);
    s.once('error', (error) => reject(cannotListen(config.host, config.port, error)));
  });
}

/** node:http server settings from the configuration, shared by the API server and a worker's ops server. */
import type { Server, ServerOptions } from 'node:http';
import type { KinConfig } from '../config.ts';

/**
 * node:http options from the configured seconds. Why a 1 s checking interval: node checks the request and
 * header timeouts only on that tick (30 s by default), so a slow body would otherwise outlive its timeout.
 */
export function serverOptionsOf(server: KinConfig['server']): ServerOptions {
  return {
    requestTimeout: server.requestTimeoutSeconds * 1000,
    headersTimeout: server.headersTimeoutSeconds * 1000,
    keepAliveTimeout: server.keepAliveTimeoutSeconds * 1000,
    connectionsCheckingInterval: 1000,
  };
}

/** Caps open sockets: past the cap node:http closes new ones at once, so slow connections cannot exhaust file descriptors. */
export function capConnections(server: Pick<Server, 'maxConnections'>, settings: KinConfig['server']): void {
  server.maxConnections = settings.maxConnections;
}

/**
 * The baseline of `bench:links`: bare node:http that answers every GET with a 302 carrying a click id, nothing
 * else. Why the same answer as Kin's (links/link-fast-path.ts): the destination with its UTM and `kin_link`, the
 * same four headers beside Location, as a flat list; a shorter answer would make the baseline's socket writes
 * and header work cheaper than the ones Kin is measured against.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const HEADERS = ['cache-control', 'no-store', 'referrer-policy', 'no-referrer', 'x-content-type-options', 'nosniff', 'content-length', '0'];

const server = createServer((req, res) => {
  res.writeHead(302, ['location', `https://shop.example/sale?utm_source=email&kin_link=${randomUUID()}`, ...HEADERS]);
  res.end();
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

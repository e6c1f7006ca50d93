/** The baseline of `bench:links`: bare node:http that answers every GET with a 302 carrying a click id, nothing else. */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const server = createServer((req, res) => {
  res.writeHead(302, { location: `https://shop.example/sale?kin_link=${randomUUID()}`, 'cache-control': 'no-store' });
  res.end();
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

// The hostile peers' backend, run as its own process (node test/reliability/hostile-app.ts) so
// that pumping 20 × 8 MiB does not share an event loop with the test's load generator: /never
// holds the request forever, /big streams 8 MiB with backpressure, anything else answers "ok".
// Prints its port on stdout once listening.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export const BIG_BYTES = 8 << 20;
const chunk = Buffer.alloc(64 * 1024, 7);

const server = createServer((req, res) => {
  if (req.url === '/never') return;
  if (req.url !== '/big') return void res.writeHead(200, { 'content-length': 2 }).end('ok');
  res.writeHead(200, { 'content-length': BIG_BYTES });
  let sent = 0;
  const pump = (): void => {
    while (sent < BIG_BYTES) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
});
server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
process.on('SIGTERM', () => process.exit(0));

// The h2 slow readers' backend in its own process (node test/reliability/hostile-h2-app.ts), so
// pumping 20 × 8 MiB does not share an event loop with the test's load: an h2c server whose
// /big streams 8 MiB gRPC-framed with backpressure, and whose every other path answers a unary
// gRPC call (one message echoed back, grpc-status 0 in trailers). /stats answers how many bytes of
// /big it has handed to its connections so far. Prints its port once listening.
import { createServer, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';

export const BIG_BYTES = 8 << 20;
const chunk = Buffer.alloc(64 * 1024, 7);
const GRPC = { ':status': 200, 'content-type': 'application/grpc' };

/** Bytes of /big written so far: a write completes once HTTP/2 flow control let it out. */
let bigSent = 0;

const pumpBig = (stream: ServerHttp2Stream): void => {
  stream.respond(GRPC, { waitForTrailers: true });
  stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
  let sent = 0;
  const pump = (): void => {
    while (sent < BIG_BYTES) {
      sent += chunk.length;
      const ok = stream.write(chunk, (err) => {
        if (!err) bigSent += chunk.length;
      });
      if (!ok) return void stream.once('drain', pump);
    }
    stream.end();
  };
  pump();
};

const echo = (stream: ServerHttp2Stream): void => {
  const parts: Buffer[] = [];
  stream.on('data', (d: Buffer) => parts.push(d));
  stream.once('end', () => {
    if (stream.destroyed) return;
    stream.respond(GRPC, { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(Buffer.concat(parts));
  });
};

const server = createServer();
server.on('stream', (stream, headers) => {
  stream.on('error', () => undefined); // readers are cut off mid-stream on purpose
  if (headers[':path'] === '/big') pumpBig(stream);
  else if (headers[':path'] === '/stats') {
    stream.respond({ ':status': 200 });
    stream.end(String(bigSent));
  } else echo(stream);
});
server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
process.on('SIGTERM', () => process.exit(0));

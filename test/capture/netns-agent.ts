// Helper process for the capture tests, run inside a network namespace with `ip netns exec`:
//   http <name>                      HTTP server on 127.0.0.1:0 answering "hello from <name>"; prints its port
//   echo [host]                      TCP echo on host:0 (default 127.0.0.1), half-close aware; prints its port
//   tcp <host> <port> <text>         connect, send text, half-close, print what came back
//   get <url>                        HTTP GET; prints "<status> <body>" (a plain client, for where curl is missing)
import { get } from 'node:http';
import { connect, createServer, type Server } from 'node:net';
import { createServer as createHttpServer } from 'node:http';

const [mode, a = '', b = '', c = ''] = process.argv.slice(2);
const printPort = (server: Server | ReturnType<typeof createHttpServer>): void =>
  void process.stdout.write(`${(server.address() as { port: number }).port}\n`);
const giveUp = setTimeout(() => {
  process.stdout.write('timeout');
  process.exit(0);
}, 5_000);

if (mode === 'http') {
  clearTimeout(giveUp);
  const server = createHttpServer((req, res) => res.end(`hello from ${a} (host ${req.headers.host})`));
  server.listen(0, '127.0.0.1', () => printPort(server));
} else if (mode === 'echo') {
  clearTimeout(giveUp);
  const server = createServer({ allowHalfOpen: true }, (s) => s.pipe(s));
  server.listen(0, a || '127.0.0.1', () => printPort(server));
} else if (mode === 'tcp') {
  let reply = '';
  const s = connect({ host: a, port: Number(b), allowHalfOpen: true }, () => s.end(c));
  s.on('data', (d: Buffer) => (reply += d.toString()));
  s.on('error', (e) => {
    process.stdout.write(`error ${e.message}`);
    process.exit(0);
  });
  s.on('end', () => {
    process.stdout.write(reply);
    process.exit(0);
  });
} else if (mode === 'get') {
  get(a, (res) => {
    let body = '';
    res.on('data', (d: Buffer) => (body += d.toString()));
    res.on('end', () => {
      process.stdout.write(`${res.statusCode} ${body}`);
      process.exit(0);
    });
  }).on('error', (e) => {
    process.stdout.write(`error ${e.message}`);
    process.exit(0);
  });
}

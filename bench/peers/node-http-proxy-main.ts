// The Node peer: a reverse proxy built on the http-proxy package, keep-alive to the upstream.
// `node bench/peers/node-http-proxy-main.ts <upstreamPort> <portFile>`; binds 127.0.0.1:0 and
// writes the port it got to portFile.
import { Agent, createServer } from 'node:http';
import httpProxy from 'http-proxy';
import { writePortFile } from '../../cli/port-file.ts';

const [upstreamPort, portFile] = process.argv.slice(2);
const proxy = httpProxy.createProxyServer({
  target: `http://127.0.0.1:${upstreamPort}`,
  agent: new Agent({ keepAlive: true, maxSockets: 512 }),
});
proxy.on('error', (_err, _req, res) => {
  if ('writeHead' in res && !res.headersSent) res.writeHead(502).end();
});
const server = createServer({ keepAliveTimeout: 120_000 }, (req, res) => proxy.web(req, res));
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  void writePortFile(portFile as string, { port: typeof addr === 'object' && addr ? addr.port : 0 });
});
process.once('SIGTERM', () => process.exit(0));

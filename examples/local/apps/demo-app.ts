// The demo workload that `weft dev` runs: a tiny HTTP service. A leaf answers with its own name;
// a caller (frontend) calls another mesh service through its sidecar's outbound port by Host name.
// --failure-rate answers that share of requests with 500 (spread evenly, so every window of a
// canary analysis sees it); --latency-ms delays every answer.
import http from 'node:http';
import { parseArgs } from 'node:util';
import { exitWithParent } from '../../../cli/exit-with-parent.ts';
import { waitForPortFile, writePortFile } from '../../../cli/port-file.ts';

const { values } = parseArgs({
  options: {
    name: { type: 'string' },
    port: { type: 'string', default: '0' },
    'port-file': { type: 'string' },
    call: { type: 'string' },
    via: { type: 'string' },
    'via-port-file': { type: 'string' },
    'failure-rate': { type: 'string', default: '0' },
    'latency-ms': { type: 'string', default: '0' },
  },
});
const failureRate = Number(values['failure-rate']);
const latencyMs = Number(values['latency-ms']);
let answered = 0;
/** True for exactly ⌊n × rate⌋ of the first n requests, whatever n is. */
const failsNext = (): boolean => {
  const n = answered++;
  return Math.floor((n + 1) * failureRate) > Math.floor(n * failureRate);
};
const name = values.name ?? 'demo';
const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });

const callUpstream = (authority: string, via: string): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const [host, port] = via.split(':');
    const req = http.request(
      { host, port: Number(port), path: '/', headers: { host: authority }, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });

/** host:port of this app's sidecar outbound listener, from --via or the sidecar's port file. */
let via: Promise<string> | undefined;
const viaAddress = (): Promise<string> => {
  if (values.via) return Promise.resolve(values.via);
  const file = values['via-port-file'] as string;
  via ??= waitForPortFile<{ outbound: number }>(file, 30_000).then((p) => `127.0.0.1:${p.outbound}`);
  return via;
};

const handle = async (res: http.ServerResponse): Promise<void> => {
  if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
  if (failureRate > 0 && failsNext()) {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ service: name, error: 'failure injected by --failure-rate' }));
    return;
  }
  if (!values.call || !(values.via || values['via-port-file'])) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ service: name }));
    return;
  }
  try {
    const upstream = await callUpstream(values.call, await viaAddress());
    const ok = upstream.status < 400;
    res.writeHead(ok ? 200 : 502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ service: name, upstreamStatus: upstream.status, upstream: upstream.body }));
  } catch (e) {
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ service: name, error: (e as Error).message }));
  }
};

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => void handle(res));
});
server.keepAliveTimeout = 60_000;
server.listen(Number(values.port), '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  if (values['port-file']) void writePortFile(values['port-file'], { port, pid: process.pid });
});
const stop = (): void => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
exitWithParent(stop);

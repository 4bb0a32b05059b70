// Steady load for the rotation tests, bounded in count and time: requests at a fixed rate through
// a client sidecar (keep-alive pool, as an app would), and a prober that opens a brand-new mTLS
// connection to a sidecar's inbound port every few milliseconds, so certificate and trust-bundle
// changes meet fresh handshakes while the pooled connections carry on.
import { Agent, request } from 'node:http';
import type { Endpoint } from '../../api/model/snapshot.ts';
import { dialMeshTls } from '../../proxy/transport/tls-client.ts';
import type { TlsMaterial } from '../../proxy/transport/tls-material.ts';

export interface LoadResult {
  sent: number;
  ok: number;
  failed: number;
  /** First few failures, for the assertion message. */
  errors: string[];
}

const note = (r: LoadResult, what: string): void => {
  r.failed++;
  if (r.errors.length < 10) r.errors.push(what);
};

const getOnce = (agent: Agent, port: number, authority: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, agent, path: '/load', headers: { host: authority } },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
        res.once('error', reject);
      },
    );
    req.setTimeout(5_000, () => req.destroy(new Error('request timed out after 5 s')));
    req.once('error', reject);
    req.end();
  });

export interface Load {
  readonly result: LoadResult;
  /** Stops sending and waits for the requests in flight. */
  stop(): Promise<LoadResult>;
}

/** `rps` requests per second in 10 ms ticks until stopped or `maxMs` pass (hard bound). */
export const startLoad = (o: { port: number; authority: string; rps: number; maxMs: number }): Load => {
  const result: LoadResult = { sent: 0, ok: 0, failed: 0, errors: [] };
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const inFlight = new Set<Promise<void>>();
  const started = Date.now();
  const fire = (): void => {
    result.sent++;
    const p = getOnce(agent, o.port, o.authority).then(
      (status) => (status === 200 ? void result.ok++ : note(result, `status ${status}`)),
      (e: Error) => note(result, e.message),
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  const timer = setInterval(() => {
    const due = Math.floor(((Date.now() - started) * o.rps) / 1000) - result.sent;
    for (let i = 0; i < due && inFlight.size < 500; i++) fire();
    if (Date.now() - started > o.maxMs) clearInterval(timer);
  }, 10);
  return {
    result,
    stop: async () => {
      clearInterval(timer);
      await Promise.all([...inFlight]);
      agent.destroy();
      return result;
    },
  };
};

/** One fresh mTLS connection: handshake (server identity pinned), one request, close. */
const probeOnce = (material: TlsMaterial, endpoint: Endpoint): Promise<void> =>
  new Promise((resolve, reject) => {
    const socket = dialMeshTls(material, endpoint, 'http/1.1');
    socket.setTimeout(5_000, () => socket.destroy(new Error('probe timed out after 5 s')));
    let reply = '';
    socket.once('secureConnect', () =>
      socket.write('GET /probe HTTP/1.1\r\nhost: probe\r\nconnection: close\r\n\r\n'),
    );
    socket.on('data', (d: Buffer) => (reply += d.toString()));
    socket.once('error', reject);
    socket.once('close', () =>
      reply.startsWith('HTTP/1.1 200') ? resolve() : reject(new Error(`probe got "${reply.slice(0, 40)}"`)),
    );
  });

/** New handshakes every `everyMs` until stopped or `maxMs` pass. */
export const startProber = (o: {
  material: TlsMaterial;
  endpoint: Endpoint;
  everyMs: number;
  maxMs: number;
}): Load => {
  const result: LoadResult = { sent: 0, ok: 0, failed: 0, errors: [] };
  const inFlight = new Set<Promise<void>>();
  const started = Date.now();
  const timer = setInterval(() => {
    if (Date.now() - started > o.maxMs || inFlight.size > 8) return;
    result.sent++;
    const p = probeOnce(o.material, o.endpoint).then(
      () => void result.ok++,
      (e: Error) => note(result, e.message),
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }, o.everyMs);
  return {
    result,
    stop: async () => {
      clearInterval(timer);
      await Promise.all([...inFlight]);
      return result;
    },
  };
};

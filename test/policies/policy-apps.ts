// HTTP/1.1 apps for the policy tests, on 127.0.0.1 port 0: each answers with the status its
// `decide` function gives (at once, later, or never), counts requests and requests in flight,
// and keeps the size of every request body it read. Flaky and gated variants on top.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom, type Random } from '../../api/runtime/clock.ts';

export interface PolicyApp {
  readonly port: number;
  readonly name: string;
  requests: number;
  inFlight: number;
  /** Byte length of each request body, in arrival order. */
  readonly bodies: number[];
  close(): Promise<void>;
}

export type Decide = (req: IncomingMessage) => number | Promise<number>;

const readBody = (req: IncomingMessage): Promise<number> =>
  new Promise((resolve) => {
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.length));
    req.once('end', () => resolve(n));
    req.once('error', () => resolve(n));
  });

export const startPolicyApp = async (name: string, decide: Decide): Promise<PolicyApp> => {
  const server = createServer((req, res) => {
    app.requests++;
    app.inFlight++;
    void readBody(req)
      .then((size) => {
        app.bodies.push(size);
        return decide(req);
      })
      .then((status) => {
        const body = `${name} ${status}\n`;
        res.writeHead(status, { 'x-app': name, 'content-length': Buffer.byteLength(body) }).end(body);
      })
      .finally(() => app.inFlight--);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const app: PolicyApp = {
    port: (server.address() as AddressInfo).port,
    name,
    requests: 0,
    inFlight: 0,
    bodies: [],
    close: () => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections())),
  };
  return app;
};

/** Answers 503 to a `share` of requests (seeded draw), 200 to the others. */
export const startFlakyApp = (name: string, random: Random, share: number): Promise<PolicyApp> =>
  startPolicyApp(name, () => (random() < share ? 503 : 200));

/**
 * 503 for a `share` of tries, drawn from a seeded sequence per `x-test-id` (shared by every
 * replica using this function): the fate of each request is fixed by its id, whichever replica
 * and in whatever order its tries arrive, so a success rate over n requests is reproducible.
 */
export const flakyPerRequest = (seed: number, share: number): Decide => {
  const draws = new Map<string, Random>();
  return (req) => {
    const id = String(req.headers['x-test-id'] ?? '');
    let random = draws.get(id);
    if (!random) draws.set(id, (random = seededRandom(seed * 1_000_003 + Number(id))));
    return random() < share ? 503 : 200;
  };
};

export interface GatedApp extends PolicyApp {
  /** Answers every request held so far with 200. */
  release(): void;
}

/** Holds every request until the test releases it: a backend that is as slow as the test wants. */
export const startGatedApp = async (name: string): Promise<GatedApp> => {
  const held: (() => void)[] = [];
  const app = await startPolicyApp(name, () => new Promise<number>((r) => held.push(() => r(200))));
  return Object.assign(app, { release: () => held.splice(0).forEach((f) => f()) });
};

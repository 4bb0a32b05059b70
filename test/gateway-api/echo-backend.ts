// The echo backend of the conformance suite, like the upstream conformance echo: it answers 200
// with what it saw (method, path, Host, every request header line) and which pod answered.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EchoSeen {
  /** The pod name, e.g. echo-v1-6d4b7c9f8-x2x7q: a test's backend is a prefix of it. */
  readonly pod: string;
  readonly method: string;
  readonly path: string;
  readonly host: string;
  /** Header name (lower case) → every value, in arrival order. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
}

export interface EchoBackend {
  readonly pod: string;
  readonly port: number;
  close(): Promise<void>;
}

export const startEchoBackend = async (pod: string): Promise<EchoBackend> => {
  const server = createServer((req, res) => {
    const headers: Record<string, string[]> = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = (req.rawHeaders[i] as string).toLowerCase();
      (headers[name] ??= []).push(req.rawHeaders[i + 1] as string);
    }
    const seen: EchoSeen = {
      pod,
      method: req.method ?? '',
      path: req.url ?? '',
      host: req.headers.host ?? '',
      headers,
    };
    req.resume();
    req.once('end', () => {
      const body = JSON.stringify(seen);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    pod,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections())),
  };
};

// The control plane's admin HTTP listener: /metrics (Prometheus), /status (what every sidecar
// runs, every config issue), /ready, /version, and POST /canaries/NAMESPACE/NAME/COMMAND
// (`weft canary`). Plain node:http: these few routes need no framework.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { componentVersion } from '../../api/runtime/version.ts';

export interface AdminServerOptions {
  readonly host: string;
  readonly port: number;
  readonly registry: Registry;
  readonly status: () => unknown;
  readonly ready: () => boolean;
  /** POST routes: the answer for a path, or undefined when no route matches. */
  readonly post?: (path: string) => { readonly status: number; readonly body: unknown } | undefined;
}

export interface AdminServer {
  readonly address: string;
  close(): Promise<void>;
}

export const startAdminServer = async (opts: AdminServerOptions): Promise<AdminServer> => {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'content-type': type }).end(body);
    };
    const answer = req.method === 'POST' ? opts.post?.(path ?? '/') : undefined;
    if (answer) return send(answer.status, 'application/json', `${JSON.stringify(answer.body, null, 2)}\n`);
    if (req.method !== 'GET') return send(405, 'text/plain', 'only GET is served here\n');
    if (path === '/ready')
      return opts.ready() ? send(200, 'text/plain', 'ready\n') : send(503, 'text/plain', 'not ready\n');
    if (path === '/status')
      return send(200, 'application/json', `${JSON.stringify(opts.status(), null, 2)}\n`);
    if (path === '/version')
      return send(200, 'application/json', `${JSON.stringify(componentVersion('control-plane'))}\n`);
    if (path === '/metrics') {
      opts.registry.metrics().then(
        (text) => send(200, opts.registry.contentType, text),
        (e: unknown) => send(500, 'text/plain', `${String(e)}\n`),
      );
      return;
    }
    send(404, 'text/plain', 'not found: try /metrics, /status, /ready or /version\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    address: `${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

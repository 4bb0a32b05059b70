// A tiny GET-only HTTP server for the admin and metrics ports: route table in, bound port out.
import { createServer, type Server, type ServerResponse } from 'node:http';

export interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export type Route = () => Reply | Promise<Reply>;

export interface Served {
  readonly port: number;
  close(): Promise<void>;
}

const send = (res: ServerResponse, r: Reply): void => {
  res.writeHead(r.status, { 'content-type': r.contentType, 'content-length': Buffer.byteLength(r.body) });
  res.end(r.body);
};

export const text = (status: number, body: string): Reply => ({
  status,
  contentType: 'text/plain; charset=utf-8',
  body: `${body}\n`,
});

export const serveRoutes = (
  host: string,
  port: number,
  routes: Readonly<Record<string, Route>>,
): Promise<Served> => {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const route = routes[path];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, text(405, 'only GET'));
    if (!route) return send(res, text(404, `no such page; try ${Object.keys(routes).join(' ')}`));
    Promise.resolve()
      .then(route)
      .then(
        (r) => send(res, r),
        (err: unknown) => send(res, text(500, String(err))),
      );
  });
  const close = (): Promise<void> =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  return listenOn(server, port, host).then((bound) => ({ port: bound, close }));
};

const bind = (server: Server, port: number, host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });

/**
 * "0.0.0.0" means every interface: bound as [::] (dual-stack, IPv4 arrives as ::ffff:a.b.c.d) so
 * the kubelet and Prometheus reach a dual-stack or IPv6 pod too, and as 0.0.0.0 where the host
 * has no IPv6, as Node does for a listen() without a host.
 */
const listenOn = (server: Server, port: number, host: string): Promise<number> =>
  host !== '0.0.0.0'
    ? bind(server, port, host)
    : bind(server, port, '::').catch((err: NodeJS.ErrnoException) =>
        err.code === 'EAFNOSUPPORT' || err.code === 'EADDRNOTAVAIL'
          ? bind(server, port, host)
          : Promise.reject(err),
      );

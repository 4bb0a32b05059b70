// A tiny GET-only HTTP server for the admin and metrics ports: route table in, bound port out.
import { createServer, type ServerResponse } from 'node:http';

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
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      resolve({
        port: typeof addr === 'object' && addr ? addr.port : port,
        close: () =>
          new Promise<void>((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      });
    });
  });
};

// Admin port, bound to 127.0.0.1 only: /ready (a snapshot is active), /live, and /config (the
// active snapshot as JSON, to see what the sidecar knows).
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import { serveRoutes, text, type Served } from './serve.ts';

export const startAdmin = (port: number, active: () => ProxySnapshot | undefined): Promise<Served> =>
  serveRoutes('127.0.0.1', port, {
    '/ready': () => (active() ? text(200, 'ready') : text(503, 'no configuration yet')),
    '/live': () => text(200, 'live'),
    '/config': () => {
      const snapshot = active();
      return {
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ version: snapshot?.version ?? null, snapshot: snapshot ?? null }, null, 2),
      };
    },
  });

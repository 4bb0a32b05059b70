// Admin port, bound to 127.0.0.1 only: /ready (a snapshot is active), /live, /config (the
// active snapshot as JSON, to see what the sidecar knows), /faults (fault experiments),
// /endpoints and /policies (live balancer, ejection and breaker state per service), /certs
// (certificate chain and roots, never the key) and /version (weft release and snapshot version).
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import { componentVersion } from '../../api/runtime/version.ts';
import { serveRoutes, text, type Reply, type Served } from './serve.ts';

export interface AdminViews {
  /** Per FaultInjection name: `{ active, endsAt, delayed, aborted }` (PolicyRegistry.faultReport). */
  readonly faults?: () => unknown;
  /** The workload certificate chain and trusted roots, public parts only (cert-report.ts). */
  readonly certs?: () => unknown;
  /** Per service: endpoints with balancer load and ejection state (state-report.ts). */
  readonly endpoints?: () => unknown;
  /** Per service: the policy in force with breaker use, outlier state and faults (state-report.ts). */
  readonly policies?: () => unknown;
}

const json = (value: unknown): Reply => ({
  status: 200,
  contentType: 'application/json',
  body: JSON.stringify(value, null, 2),
});

export const startAdmin = (
  port: number,
  active: () => ProxySnapshot | undefined,
  views: AdminViews = {},
): Promise<Served> =>
  serveRoutes('127.0.0.1', port, {
    '/faults': () => json(views.faults?.() ?? {}),
    '/endpoints': () => json(views.endpoints?.() ?? { version: null, services: [] }),
    '/policies': () => json(views.policies?.() ?? { version: null, services: [] }),
    '/certs': () => json(views.certs?.() ?? { mtls: false, chain: [], roots: [] }),
    '/ready': () => (active() ? text(200, 'ready') : text(503, 'no configuration yet')),
    '/live': () => text(200, 'live'),
    '/version': () => json({ ...componentVersion('proxy'), snapshotVersion: active()?.version ?? null }),
    '/config': () => {
      const snapshot = active();
      return json({ version: snapshot?.version ?? null, snapshot: snapshot ?? null });
    },
  });

// The sidecar's probe port (WEFT_PROBE_PORT, 15021, excluded from inbound capture so kubelet
// reaches it in plain text): /ready and /live for the sidecar itself, and one
// /app-health/<container>/<probe> page per rewritten app probe, answering 200 when the original
// probe passes against the app and 503 when it does not.
import type { Clock } from '../../api/runtime/clock.ts';
import { serveRoutes, text, type Route, type Served } from '../admin/serve.ts';
import type { AppProbes } from './app-probes.ts';
import { runProbe } from './run-probe.ts';

export interface ProbeServerOptions {
  /** 0.0.0.0: kubelet probes the pod IP from the node. */
  readonly host: string;
  readonly port: number;
  readonly probes: AppProbes;
  /** Where the app listens (default 127.0.0.1). */
  readonly appHost?: string;
  /** The sidecar is ready: it has its configuration (and certificate, when it uses one). */
  readonly ready: () => boolean;
  readonly clock: Clock;
}

export const startProbeServer = (o: ProbeServerOptions): Promise<Served> => {
  const deps = { host: o.appHost ?? '127.0.0.1', clock: o.clock };
  const routes: Record<string, Route> = {
    '/ready': () => (o.ready() ? text(200, 'ready') : text(503, 'no configuration yet')),
    '/live': () => text(200, 'live'),
  };
  for (const [path, probe] of Object.entries(o.probes))
    routes[path] = async () => {
      const r = await runProbe(probe, deps);
      return text(r.ok ? 200 : 503, r.detail);
    };
  return serveRoutes(o.host, o.port, routes);
};

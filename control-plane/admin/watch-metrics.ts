// Kubernetes watch errors for the control plane's /metrics, declared here and read at scrape
// time from the resilient informers (each restart followed a watch or list error), so the
// informer code keeps no metric of its own. Kubernetes mode only.
import { Counter, type Registry } from 'prom-client';

export interface WatchedInformer {
  readonly kind: { readonly name: string };
  restarts(): number;
}

export const watchErrorsCounter = (registry: Registry, informers: () => readonly WatchedInformer[]): void => {
  new Counter({
    name: 'weft_control_plane_watch_errors_total',
    help: 'Kubernetes list/watch errors (each one restarts the informer with back-off), by resource.',
    labelNames: ['resource'] as const,
    registers: [registry],
    collect() {
      // The informers own the running count; the counter mirrors it at scrape time.
      this.reset();
      for (const i of informers()) this.inc({ resource: i.kind.name }, i.restarts());
    },
  });
};

// The inbound policy a running sidecar applies (ProxyOptions.inboundLayers): the authz layer when
// the snapshot carries an AuthzView for this workload, nothing otherwise, and a count of every
// denial by reason.
import type { Registry } from 'prom-client';
import { Counter } from 'prom-client';
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import { authzLayer } from '../layers/authz.ts';
import type { InboundLayerDeps } from '../runtime.ts';
import type { Layer } from '../stack/types.ts';

const DENIED = {
  name: 'weft_authz_denied_total',
  help: 'Inbound requests refused by authorization (SMI TrafficTarget), by reason.',
  labelNames: ['reason'] as const,
};

// One counter per registry: the layers are rebuilt on every snapshot, the metric is not.
const counters = new WeakMap<Registry, Counter<'reason'>>();
const deniedCounter = (registry: Registry): Counter<'reason'> => {
  let c = counters.get(registry);
  if (!c) counters.set(registry, (c = new Counter({ ...DENIED, registers: [registry] })));
  return c;
};

/**
 * `inboundLayers` for startProxy. `port`: the inbound target port the app serves (TCPRoute
 * port rules); in Kubernetes the app's container port.
 */
export const authzInboundLayers =
  (port?: number) =>
  (snapshot: ProxySnapshot | undefined, deps: InboundLayerDeps): readonly Layer[] => {
    const view = snapshot?.workload.authz;
    const counter = deniedCounter(deps.registry);
    if (!view) return [];
    return [
      authzLayer(view, {
        ...(port !== undefined ? { port } : {}),
        logger: deps.logger,
        onDeny: (reason) => counter.inc({ reason }),
      }),
    ];
  };

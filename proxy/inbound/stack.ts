// The inbound request path (peer sidecar → this sidecar → app), outer to inner:
//   [mTLS terminated by the listener] → request-metrics → [tracing → access-log] → error-response → [extra: authz] → client(app)
// Built once per snapshot, like the outbound stack.
import type { Logger } from 'pino';
import { serviceKey, type ProxySnapshot, type ServiceView } from '../../api/model/snapshot.ts';
import type { Clock } from '../../api/runtime/clock.ts';
import { clientHandler, type HopSender } from '../layers/client.ts';
import { errorResponseLayer } from '../layers/error-response.ts';
import { requestMetricsLayer, type ProxyMetrics } from '../metrics/request-metrics.ts';
import { compose, type Handler, type Layer } from '../stack/types.ts';

export interface InboundDeps {
  /** Plaintext pool to the app next to this sidecar. */
  readonly transport: HopSender;
  readonly clock: Clock;
  readonly metrics: ProxyMetrics;
  readonly logger: Logger;
  /** Insertion point for inbound policy (authz: proxy/layers/authz.ts), per snapshot. */
  readonly layers?: (snapshot: ProxySnapshot | undefined) => readonly Layer[];
  /** Tracing / access-log layers (proxy/observability/layers.ts), after request-metrics; absent = none. */
  readonly observe?: readonly Layer[];
}

export interface InboundStack {
  readonly handler: Handler;
  /** The service this workload serves: the destination in metrics and ctx.service. */
  readonly local: ServiceView;
}

export const localService = (snapshot: ProxySnapshot | undefined): ServiceView => {
  const w = snapshot?.workload;
  const named = w?.service;
  const found = named === undefined ? undefined : snapshot?.services[serviceKey(w?.namespace ?? '', named)];
  return (
    found ?? {
      name: named ?? w?.name ?? 'unknown',
      namespace: w?.namespace ?? '',
      hosts: [],
      ports: [],
      endpoints: [],
    }
  );
};

export const inboundStack = (snapshot: ProxySnapshot | undefined, deps: InboundDeps): InboundStack => ({
  local: localService(snapshot),
  handler: compose(
    requestMetricsLayer(deps.metrics, 'inbound', deps.clock),
    ...(deps.observe ?? []),
    errorResponseLayer(deps.logger.child({ component: 'inbound' })),
    ...(deps.layers?.(snapshot) ?? []),
  )(clientHandler(deps.transport)),
});

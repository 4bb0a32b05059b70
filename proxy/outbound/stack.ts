// The outbound request path, outer to inner, listed once:
//   request-metrics → error-response → route-match → [request-timeout → fault → retry] → split
//   → [concurrency-limit] → balancer → [per-try-timeout] → client
// Bracketed layers come from policySlots(). Everything here is built once per snapshot; requests
// in flight keep the handlers they started with when a new snapshot replaces them.
import type { ProxySnapshot, ServiceView } from '../../api/model/snapshot.ts';
import type { Clock, Random } from '../../api/runtime/clock.ts';
import type { Logger } from 'pino';
import { balancerLayer, type LoadTracker } from '../layers/balancer.ts';
import { clientHandler, type HopSender } from '../layers/client.ts';
import { errorResponseLayer } from '../layers/error-response.ts';
import { buildRouteIndex, routeMatchLayer } from '../layers/route-match.ts';
import { splitLayer, type WeightedBackend } from '../layers/split.ts';
import { requestMetricsLayer, type ProxyMetrics } from '../metrics/request-metrics.ts';
import { MeshError } from '../stack/errors.ts';
import { compose, type Handler, type Layer } from '../stack/types.ts';
import { policySlots } from './policy-slots.ts';

export interface OutboundDeps {
  readonly transport: HopSender;
  readonly clock: Clock;
  readonly random: Random;
  /** Shared across snapshots so latency knowledge survives config changes. */
  readonly load: LoadTracker;
  readonly metrics: ProxyMetrics;
  readonly logger: Logger;
}

const splitFor = (
  service: ServiceView,
  services: Readonly<Record<string, ServiceView>>,
  deps: OutboundDeps,
): Layer[] => {
  const split = service.split;
  if (!split) return [];
  const backends: WeightedBackend[] = [];
  for (const b of split.backends) {
    const view = services[b.service];
    if (view) backends.push({ service: view, weight: b.weight });
    else deps.logger.warn({ split: split.name, backend: b.service }, 'split backend is not a known service');
  }
  return [splitLayer({ name: split.name, backends, matches: split.matches }, deps)];
};

/** The per-service part, below route-match. */
export const serviceChain = (
  service: ServiceView,
  services: Readonly<Record<string, ServiceView>>,
  deps: OutboundDeps,
): Handler => {
  const slots = policySlots(service, deps);
  return compose(
    ...slots.beforeSplit,
    ...splitFor(service, services, deps),
    ...slots.beforeBalancer,
    balancerLayer({ clock: deps.clock, random: deps.random, load: deps.load, health: slots.health }),
    ...slots.perTry,
  )(clientHandler(deps.transport));
};

/** The whole outbound handler for one snapshot (or for none yet: everything is NO_ROUTE). */
export const outboundHandler = (snapshot: ProxySnapshot | undefined, deps: OutboundDeps): Handler => {
  const services = snapshot?.services ?? {};
  const chains = new Map<ServiceView, Handler>();
  for (const svc of Object.values(services)) chains.set(svc, serviceChain(svc, services, deps));
  const dispatch: Handler = (req, ctx) =>
    chains.get(ctx.service)?.(req, ctx) ?? Promise.reject(new MeshError('INTERNAL', 'route without a chain'));
  return compose(
    requestMetricsLayer(deps.metrics, 'outbound', deps.clock),
    errorResponseLayer(deps.logger.child({ component: 'outbound' })),
    routeMatchLayer(buildRouteIndex(services)),
  )(dispatch);
};

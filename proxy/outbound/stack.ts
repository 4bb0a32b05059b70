// The outbound request path, outer to inner, listed once:
//   request-metrics → [tracing → access-log] → error-response → route-match → [rule set by route] → [request-timeout →
//   fault → retry] → split | http-route (Gateway API routes: rule filters, timeout, retry, weighted
//   backendRefs) → [per backend: concurrency-limit] → balancer → [outlier record → per-try-timeout] → client
// Bracketed layers come from policy-slots.ts. Everything here is built once per snapshot; requests
// in flight keep the handlers they started with when a new snapshot replaces them. Policy state
// (budgets, breakers, ejections, fault counts) lives in the PolicyRegistry across snapshots.
import type { ProxySnapshot, ServiceView } from '../../api/model/snapshot.ts';
import type { Clock, Random } from '../../api/runtime/clock.ts';
import type { Logger } from 'pino';
import { balancerLayer, type LoadTracker } from '../layers/balancer.ts';
import { clientHandler, type HopSender } from '../layers/client.ts';
import { errorResponseLayer } from '../layers/error-response.ts';
import { selectRules } from '../layers/route-rules.ts';
import { buildRouteIndex, routeMatchLayer } from '../layers/route-match.ts';
import { httpRouteLayer } from '../layers/http-route.ts';
import type { RetryBudgetView } from '../layers/retry-budget.ts';
import { splitLayer, type WeightedBackend } from '../layers/split.ts';
import { requestMetricsLayer, type ProxyMetrics } from '../metrics/request-metrics.ts';
import { endpointKey } from '../stack/endpoint-health.ts';
import { MeshError } from '../stack/errors.ts';
import { compose, type Handler, type Layer } from '../stack/types.ts';
import type { PolicyBuild, PolicyRegistry } from './policy-registry.ts';
import { faultLayerOf, policySlots, ruleSetsOf, type RuleSet } from './policy-slots.ts';

export interface OutboundDeps {
  readonly transport: HopSender;
  readonly clock: Clock;
  readonly random: Random;
  /** Shared across snapshots so latency knowledge survives config changes. */
  readonly load: LoadTracker;
  readonly metrics: ProxyMetrics;
  readonly logger: Logger;
  /** Shared across snapshots so policy state survives config changes. */
  readonly policies: PolicyRegistry;
  /** Tracing / access-log layers (proxy/observability/layers.ts), after request-metrics; absent = none. */
  readonly observe?: readonly Layer[];
}

type Services = Readonly<Record<string, ServiceView>>;

/** Every service an HTTPRoute/GRPCRoute table may send to: backendRefs and mirrors. */
const routeTargets = (service: ServiceView, services: Services): ServiceView[] => {
  const keys = new Set<string>();
  for (const rule of service.httpRoutes?.rules ?? []) {
    for (const f of rule.filters ?? []) if (f.type === 'RequestMirror') keys.add(f.service);
    for (const b of rule.backends) {
      if (b.service !== undefined) keys.add(b.service);
      for (const f of b.filters ?? []) if (f.type === 'RequestMirror') keys.add(f.service);
    }
  }
  return [...keys].flatMap((k) => (services[k] ? [services[k]] : []));
};

const splitBackends = (service: ServiceView, services: Services, deps: OutboundDeps): WeightedBackend[] => {
  const backends: WeightedBackend[] = [];
  for (const b of service.split?.backends ?? []) {
    const view = services[b.service];
    if (view) backends.push({ service: view, weight: b.weight });
    else
      deps.logger.warn(
        { split: service.split?.name, backend: b.service },
        'split backend is not a known service',
      );
  }
  return backends;
};

/** split → per-backend chain (breaker, balancer, outlier, per-try timeout, client) for one rule set. */
const ruleSetChain = (
  service: ServiceView,
  backends: readonly WeightedBackend[],
  ruleSet: RuleSet | undefined,
  fault: Layer | undefined,
  ctx: { readonly deps: OutboundDeps; readonly state: PolicyBuild; readonly services: Services },
): Handler => {
  const { deps, state, services } = ctx;
  const slots = policySlots(service, ruleSet, fault, state);
  const byBackend = new Map<ServiceView, Handler>();
  // Requests a split with matches leaves alone go to the root service itself.
  for (const target of [service, ...backends.map((b) => b.service), ...routeTargets(service, services)]) {
    if (byBackend.has(target)) continue;
    const b = slots.backend(target);
    const balancer = balancerLayer({
      clock: deps.clock,
      random: deps.random,
      load: deps.load,
      health: b.health,
    });
    // Connection deadlines and bounds: the addressed service's policy, else the backend's own.
    const client = clientHandler(deps.transport, service.policy?.connection ?? target.policy?.connection);
    byBackend.set(target, compose(...b.beforeBalancer, balancer, ...b.perTry)(client));
  }
  const toBackend: Handler = (req, c) =>
    byBackend.get(c.backend ?? c.service)?.(req, c) ??
    Promise.reject(new MeshError('INTERNAL', 'split chose a backend without a chain'));
  return compose(...slots.beforeSplit, ...routing(service, backends, ctx))(toBackend);
};

/** Gateway API routes when attached (they win over an SMI split), else the split, else nothing. */
const routing = (
  service: ServiceView,
  backends: readonly WeightedBackend[],
  ctx: { readonly deps: OutboundDeps; readonly state: PolicyBuild; readonly services: Services },
): Layer[] => {
  const { deps, state, services } = ctx;
  if (service.httpRoutes) {
    const name = `${service.namespace}/${service.name}`;
    const budget = (scope: string, view: RetryBudgetView) => state.budget(`${name} ${scope}`, view);
    const logger = state.logger('outbound.route', name);
    return [
      httpRouteLayer(service.httpRoutes, {
        clock: deps.clock,
        random: deps.random,
        services,
        budget,
        logger,
      }),
    ];
  }
  return service.split
    ? [splitLayer({ name: service.split.name, backends, matches: service.split.matches }, deps)]
    : [];
};

/** The per-service part, below route-match: one chain per rule set, picked per request. */
export const serviceChain = (
  service: ServiceView,
  services: Services,
  deps: OutboundDeps,
  state: PolicyBuild,
): Handler => {
  const backends = splitBackends(service, services, deps);
  const fault = faultLayerOf(service, state);
  const sets = ruleSetsOf(service);
  const policy = service.policy;
  const ctx = { deps, state, services };
  if (!policy || sets.length <= 1) return ruleSetChain(service, backends, sets[0], fault, ctx);
  const chains = new Map(sets.map((s) => [s.rules, ruleSetChain(service, backends, s, fault, ctx)]));
  const fallback = chains.get(sets[0]!.rules) as Handler;
  // The route label names the policy route by its match name (never the raw path).
  // sets[i + 1] is the compiled rule set of policy.routes[i] (route-rules.ts keeps the order).
  const routeNames = new Map(
    (policy.routes ?? []).map((r, i) => [sets[i + 1]?.rules, r.match.name ?? ''] as const),
  );
  return (req, c) => {
    const rules = selectRules(policy, req);
    const route = routeNames.get(rules);
    if (route) c.route = route;
    return (chains.get(rules) ?? fallback)(req, c);
  };
};

/** The whole outbound handler for one snapshot (or for none yet: everything is NO_ROUTE). */
export const outboundHandler = (snapshot: ProxySnapshot | undefined, deps: OutboundDeps): Handler => {
  const services = snapshot?.services ?? {};
  const state = deps.policies.build();
  const chains = new Map<ServiceView, Handler>();
  const endpoints = new Set<string>();
  for (const svc of Object.values(services)) {
    chains.set(svc, serviceChain(svc, services, deps, state));
    for (const e of svc.endpoints) endpoints.add(endpointKey(e));
  }
  state.commit();
  // Latency knowledge of endpoints gone from every service goes with them.
  deps.load.retain(endpoints);
  const dispatch: Handler = (req, ctx) =>
    chains.get(ctx.service)?.(req, ctx) ?? Promise.reject(new MeshError('INTERNAL', 'route without a chain'));
  return compose(
    requestMetricsLayer(deps.metrics, 'outbound', deps.clock),
    ...(deps.observe ?? []),
    errorResponseLayer(deps.logger.child({ component: 'outbound' })),
    routeMatchLayer(buildRouteIndex(services)),
  )(dispatch);
};

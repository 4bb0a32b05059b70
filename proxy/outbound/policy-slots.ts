// Which traffic-policy layers go where in one service's outbound stack, from ServiceView.policy
// (one rule set per route override) and ServiceView.faults. No policy of a kind → no layer.
// Stateful objects come from the PolicyBuild, so they survive snapshot changes.
import { stableStringify } from '../../api/convert/stable-json.ts';
import type { PolicyRules } from '../../api/model/policy.ts';
import type { ServiceView } from '../../api/model/snapshot.ts';
import { faultLayer } from '../layers/fault.ts';
import { outlierLayer } from '../layers/outlier-detection.ts';
import { perTryTimeoutLayer } from '../layers/per-try-timeout.ts';
import { retryLayer } from '../layers/retry.ts';
import { ruleSets } from '../layers/route-rules.ts';
import { timeoutLayer } from '../layers/timeout.ts';
import { endpointKey, type EndpointHealth } from '../stack/endpoint-health.ts';
import type { Layer } from '../stack/types.ts';
import type { PolicyBuild } from './policy-registry.ts';

/** The layers of one backend service (after split), outer to inner around the balancer. */
export interface BackendSlots {
  /** Between split and balancer: concurrency-limit. */
  readonly beforeBalancer: readonly Layer[];
  /** Between balancer and client: outlier recorder, per-try-timeout, then the connection limit. */
  readonly perTry: readonly Layer[];
  /** Ejections the balancer must honour (outlier detection). */
  readonly health?: EndpointHealth;
}

/** The layers of one rule set (the service-wide rules, or one route's). */
export interface PolicySlots {
  /** Between route-match and split, outer to inner: request-timeout → fault → retry. */
  readonly beforeSplit: readonly Layer[];
  backend(backend: ServiceView): BackendSlots;
}

export interface RuleSet {
  readonly rules: PolicyRules;
  /** Names the route for state keys: `service` or the route's match. */
  readonly scope: string;
}

export const NO_BACKEND_POLICY: BackendSlots = { beforeBalancer: [], perTry: [] };

const keyOf = (s: ServiceView): string => `${s.namespace}/${s.name}`;

/** The rule sets selectRules can pick for this service (none without a TrafficPolicy). */
export const ruleSetsOf = (service: ServiceView): readonly RuleSet[] => {
  const policy = service.policy;
  if (!policy) return [];
  const routes = policy.routes ?? [];
  return ruleSets(policy).map((rules, i) => ({
    rules,
    scope: i === 0 ? 'service' : `route ${stableStringify(routes[i - 1]?.match)}`,
  }));
};

/**
 * Circuit breaker and outlier detection work per backend service: the addressed service's rules
 * (route-selected) when they set the block, else the backend's own TrafficPolicy. State is keyed
 * by backend and settings, so every path to a backend with the same settings shares it.
 */
const backendRules = (rules: PolicyRules | undefined, backend: ServiceView) => ({
  cb: rules?.circuitBreaker ?? backend.policy?.circuitBreaker,
  od: rules?.outlierDetection ?? backend.policy?.outlierDetection,
  perTryMs: rules?.retries?.perTryTimeoutMs,
});

const backendSlots = (
  rules: PolicyRules | undefined,
  backend: ServiceView,
  state: PolicyBuild,
): BackendSlots => {
  const { cb, od, perTryMs } = backendRules(rules, backend);
  if (!cb && !od && perTryMs === undefined) return NO_BACKEND_POLICY;
  const name = keyOf(backend);
  const detector = od && state.detector(name, od, backend.endpoints.map(endpointKey));
  const perTry: Layer[] = [];
  if (detector) perTry.push(outlierLayer(detector));
  if (perTryMs !== undefined) perTry.push(perTryTimeoutLayer({ perTryTimeoutMs: perTryMs }, state));
  const breaker = cb && state.breaker(name, cb);
  // Innermost, so a per-try timeout also bounds the wait for a connection.
  if (breaker) perTry.push(breaker.connectionLayer);
  return { beforeBalancer: breaker ? [breaker.layer] : [], perTry, health: detector };
};

/** The fault layer of a service, shared by all its rule sets (one set of counters per fault). */
export const faultLayerOf = (service: ServiceView, state: PolicyBuild): Layer | undefined => {
  const faults = service.faults;
  if (!faults?.length) return undefined;
  const name = keyOf(service);
  return faultLayer(faults, {
    clock: state.clock,
    random: state.random,
    metrics: state.metrics(name),
    logger: state.logger('outbound.fault', name),
    counts: (f) => state.faultCounts(name, f),
  });
};

/**
 * The slots for one rule set of `service`. The retry gate is the addressed service's breaker:
 * its maxRetries bounds retries in flight to the service, whichever backend they land on.
 */
export const policySlots = (
  service: ServiceView,
  ruleSet: RuleSet | undefined,
  fault: Layer | undefined,
  state: PolicyBuild,
): PolicySlots => {
  const rules = ruleSet?.rules;
  const name = keyOf(service);
  const retries = rules?.retries;
  const retry =
    retries &&
    retryLayer(retries, {
      clock: state.clock,
      random: state.random,
      metrics: state.metrics(name),
      logger: state.logger('outbound.retry', name),
      budget: state.budget(`${name} ${ruleSet?.scope ?? 'service'}`, retries.budget),
      ...(rules.circuitBreaker ? { retryGate: state.breaker(name, rules.circuitBreaker) } : {}),
    });
  return {
    beforeSplit: [
      ...(rules?.timeoutMs !== undefined ? [timeoutLayer({ timeoutMs: rules.timeoutMs }, state)] : []),
      ...(fault ? [fault] : []),
      ...(retry ? [retry] : []),
    ],
    backend: (backend) => backendSlots(rules, backend, state),
  };
};

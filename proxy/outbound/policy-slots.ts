// Insertion point for the traffic-policy layers (written in proxy/layers/ by the policy work):
// given a service, which layers go where in its outbound stack. No policy → no layer.
import type { ServiceView } from '../../api/model/snapshot.ts';
import type { Clock, Random } from '../../api/runtime/clock.ts';
import type { EndpointHealth } from '../stack/endpoint-health.ts';
import type { Layer } from '../stack/types.ts';

export interface PolicySlots {
  /** Between route-match and split, outer to inner: request-timeout → fault → retry. */
  readonly beforeSplit: readonly Layer[];
  /** Between split and balancer: concurrency-limit. */
  readonly beforeBalancer: readonly Layer[];
  /** Between balancer and client: per-try-timeout (and the outlier-detection recorder). */
  readonly perTry: readonly Layer[];
  /** Ejections the balancer must honour (outlier detection). */
  readonly health?: EndpointHealth;
}

export interface PolicySlotDeps {
  readonly clock: Clock;
  readonly random: Random;
}

export const NO_POLICY: PolicySlots = { beforeSplit: [], beforeBalancer: [], perTry: [] };

export const policySlots = (service: ServiceView, _deps: PolicySlotDeps): PolicySlots => {
  if (!service.policy && !service.faults?.length) return NO_POLICY;
  // TODO(policies): fill the slots from service.policy / service.faults, each only when configured:
  //   beforeSplit:    timeoutLayer (layers/timeout.ts) when policy.timeoutMs,
  //                   faultLayer (layers/fault.ts) when faults?.length,
  //                   retryLayer (layers/retry.ts) when policy.retries (route overrides: selectRules);
  //   beforeBalancer: concurrencyLimitLayer (layers/concurrency-limit.ts) when policy.circuitBreaker;
  //   perTry:         perTryTimeoutLayer (layers/per-try-timeout.ts) when retries.perTryTimeoutMs,
  //                   outlierLayer (layers/outlier-detection.ts) when policy.outlierDetection;
  //   health:         the outlierDetector(...) instance, so the balancer skips ejected endpoints.
  // Stateful pieces (breaker counters, budgets, ejections) should be kept per service across
  // snapshots rather than rebuilt here on every config change.
  return NO_POLICY;
};

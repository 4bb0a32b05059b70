// Counters for traffic-policy decisions (retries, budgets, breakers, ejections, faults).
// Label children are bound once per service, so layers never build label objects per request.
import { Counter, type Registry } from 'prom-client';

export type CircuitLimit = 'max_connections' | 'max_pending_requests' | 'max_requests' | 'max_retries';
export type FaultKind = 'delay' | 'abort';

/** The counters of one destination service; every layer of that service shares one instance. */
export interface PolicyMetrics {
  retry(): void;
  retryBudgetExhausted(): void;
  circuitRejected(limit: CircuitLimit): void;
  outlierEjected(): void;
  faultInjected(fault: string, kind: FaultKind): void;
}

export interface PolicyMetricsRegistry {
  /** `service` is the `namespace/name` key; the result is cached per service. */
  forService(service: string): PolicyMetrics;
}

type Inc = { inc(): void };

const counter = <L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
): Counter<L> => {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
};

const byRegistry = new WeakMap<Registry, PolicyMetricsRegistry>();

/** Declares the policy counters on `registry` (once per registry) and returns a per-service binder. */
export const policyMetrics = (registry: Registry): PolicyMetricsRegistry => {
  const known = byRegistry.get(registry);
  if (known) return known;
  const retries = counter(registry, 'weft_retries_total', 'Retries sent (tries after the first).', [
    'service',
  ]);
  const exhausted = counter(
    registry,
    'weft_retry_budget_exhausted_total',
    'Retries not sent because the retry budget was spent.',
    ['service'],
  );
  const rejections = counter(
    registry,
    'weft_circuit_breaker_rejections_total',
    'Requests, retries or connections refused by a circuit-breaker limit.',
    ['service', 'limit'],
  );
  const ejections = counter(
    registry,
    'weft_outlier_ejections_total',
    'Endpoints ejected by outlier detection.',
    ['service'],
  );
  const faults = counter(
    registry,
    'weft_faults_injected_total',
    'Faults injected, per FaultInjection and kind.',
    ['service', 'fault', 'kind'],
  );
  const services = new Map<string, PolicyMetrics>();
  const bind = (service: string): PolicyMetrics => {
    const retry = retries.labels({ service });
    const budget = exhausted.labels({ service });
    const ejected = ejections.labels({ service });
    const limits = new Map<CircuitLimit, Inc>();
    const faultChildren = new Map<string, Inc>();
    return {
      retry: () => retry.inc(),
      retryBudgetExhausted: () => budget.inc(),
      outlierEjected: () => ejected.inc(),
      circuitRejected: (limit) => {
        let child = limits.get(limit);
        if (!child) limits.set(limit, (child = rejections.labels({ service, limit })));
        child.inc();
      },
      faultInjected: (fault, kind) => {
        const key = `${kind} ${fault}`;
        let child = faultChildren.get(key);
        if (!child) faultChildren.set(key, (child = faults.labels({ service, fault, kind })));
        child.inc();
      },
    };
  };
  const result: PolicyMetricsRegistry = {
    forService: (service) => {
      let m = services.get(service);
      if (!m) services.set(service, (m = bind(service)));
      return m;
    },
  };
  byRegistry.set(registry, result);
  return result;
};

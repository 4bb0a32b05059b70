// The stateful side of traffic policies, kept for the sidecar's whole life: retry budgets,
// circuit breakers, outlier detectors and fault counters, keyed by scope and policy content.
// Stacks are rebuilt on every snapshot; these are reused while their policy is unchanged.
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { stableStringify } from '../../api/convert/stable-json.ts';
import type { CircuitBreakerView, FaultView, OutlierDetectionView } from '../../api/model/policy.ts';
import type { Clock, Random } from '../../api/runtime/clock.ts';
import { circuitBreaker, type CircuitBreaker, type Resource } from '../layers/concurrency-limit.ts';
import type { FaultCounts } from '../layers/fault.ts';
import {
  outlierDetector,
  type EndpointOutlierState,
  type OutlierDetector,
} from '../layers/outlier-detection.ts';
import { policyMetrics, type PolicyMetrics } from '../layers/policy-metrics.ts';
import { retryBudget, type RetryBudget, type RetryBudgetView } from '../layers/retry-budget.ts';

export interface PolicyRegistryDeps {
  readonly clock: Clock;
  readonly random: Random;
  /** The sidecar's metrics registry: the policy counters are declared on it. */
  readonly registry: Registry;
  readonly logger: Logger;
}

/** What `GET /faults` shows per FaultInjection (`namespace/name`). */
export interface FaultReport {
  readonly service: string;
  readonly active: boolean;
  /** ISO time the experiment ends; null when it has no duration. */
  readonly endsAt: string | null;
  readonly delayed: number;
  readonly aborted: number;
}

/** Units in use of one circuit-breaker limit, against its maximum. */
export interface LimitUse {
  readonly inUse: number;
  readonly max: number;
}

/** What the admin /policies page shows of one service's policy objects right now. */
export interface ServicePolicyState {
  readonly breaker?: Readonly<Record<'requests' | 'retries' | 'pendingRequests' | 'connections', LimitUse>>;
  readonly outliers?: readonly EndpointOutlierState[];
}

/**
 * The objects one snapshot build uses. Asking for an object marks it in use; commit() drops
 * every object the build did not ask for (a removed service or a changed policy).
 */
export interface PolicyBuild {
  readonly clock: Clock;
  readonly random: Random;
  /** Counters of one service (`namespace/name`), label children bound once. */
  metrics(service: string): PolicyMetrics;
  /** A child logger `{component, service}`, cached. */
  logger(component: string, service: string): Logger;
  /** `scope` names the service and route the budget belongs to. */
  budget(scope: string, view: RetryBudgetView): RetryBudget;
  breaker(service: string, view: CircuitBreakerView): CircuitBreaker;
  /** Also hands the detector the service's current endpoint set (its maxEjectionPercent base). */
  detector(service: string, view: OutlierDetectionView, endpoints: readonly string[]): OutlierDetector;
  faultCounts(service: string, fault: FaultView): FaultCounts;
  commit(): void;
}

export interface PolicyRegistry {
  /** Starts the build for a new snapshot. */
  build(): PolicyBuild;
  /** The faults of the last committed snapshot with what they did so far. */
  faultReport(): Readonly<Record<string, FaultReport>>;
  /** Live state of the circuit breakers and outlier detectors, per service (the admin /policies page). */
  stateReport(): Readonly<Record<string, ServicePolicyState>>;
  /** Objects currently kept (for tests and /faults). */
  size(): number;
  /** Child loggers currently cached (for tests): those of services gone from the snapshot are dropped. */
  loggerCount(): number;
  /** Stops the detectors' sweep timers. */
  close(): void;
}

interface Entry {
  readonly value: unknown;
  used: number;
  readonly dispose?: () => void;
}

interface LiveFault {
  readonly service: string;
  readonly view: FaultView;
  readonly counts: FaultCounts;
}

export const policyRegistry = (deps: PolicyRegistryDeps): PolicyRegistry => {
  const entries = new Map<string, Entry>();
  const loggers = new Map<string, { readonly logger: Logger; used: number }>();
  const metricsOf = policyMetrics(deps.registry);
  let generation = 0;
  let faults: readonly LiveFault[] = [];

  /** The object under `key` (created on first use), marked as used by this generation. */
  const keep = <T>(key: string, create: () => T, dispose?: (v: T) => void): T => {
    let e = entries.get(key);
    if (!e) {
      const value = create();
      e = { value, used: generation, ...(dispose ? { dispose: () => dispose(value) } : {}) };
      entries.set(key, e);
    }
    e.used = generation;
    return e.value as T;
  };

  /** The cached child logger, marked as used by this generation like the objects in `keep`. */
  const logger = (component: string, service: string): Logger => {
    const key = `${component} ${service}`;
    let l = loggers.get(key);
    if (!l) loggers.set(key, (l = { logger: deps.logger.child({ component, service }), used: generation }));
    l.used = generation;
    return l.logger;
  };

  const build = (): PolicyBuild => {
    const gen = ++generation;
    const seen: LiveFault[] = [];
    return {
      clock: deps.clock,
      random: deps.random,
      metrics: (service) => metricsOf.forService(service),
      logger,
      budget: (scope, view) =>
        keep(`budget ${scope} ${stableStringify(view)}`, () => retryBudget(view, deps.clock)),
      breaker: (service, view) =>
        keep(`breaker ${service} ${stableStringify(view)}`, () =>
          circuitBreaker(view, { metrics: metricsOf.forService(service) }),
        ),
      detector: (service, view, endpoints) => {
        const log = logger('outbound.outlier', service);
        const d = keep(
          `detector ${service} ${stableStringify(view)}`,
          () =>
            outlierDetector(view, { clock: deps.clock, metrics: metricsOf.forService(service), logger: log }),
          (x) => x.close(),
        );
        d.setEndpoints(endpoints);
        return d;
      },
      faultCounts: (service, view) => {
        const counts = keep(`fault ${service} ${stableStringify(view)}`, () => ({ delayed: 0, aborted: 0 }));
        seen.push({ service, view, counts });
        return counts;
      },
      commit: () => {
        if (gen !== generation) return; // a newer build started: it decides what to keep
        for (const [key, e] of entries)
          if (e.used !== gen) {
            e.dispose?.();
            entries.delete(key);
          }
        for (const [key, l] of loggers) if (l.used !== gen) loggers.delete(key);
        faults = seen;
      },
    };
  };

  const faultReport = (): Record<string, FaultReport> => {
    const now = deps.clock.wallNow();
    const out: Record<string, FaultReport> = {};
    for (const { service, view, counts } of faults)
      out[view.name] = {
        service,
        active: view.endsAtMs === undefined || now < view.endsAtMs,
        endsAt: view.endsAtMs === undefined ? null : new Date(view.endsAtMs).toISOString(),
        delayed: counts.delayed,
        aborted: counts.aborted,
      };
    return out;
  };

  const use = (r: Resource): LimitUse => ({ inUse: r.inUse(), max: r.max });
  const stateReport = (): Record<string, ServicePolicyState> => {
    const out: Record<string, ServicePolicyState> = {};
    for (const [key, e] of entries) {
      const [kind, service = ''] = key.split(' ');
      if (kind === 'breaker') {
        const b = e.value as CircuitBreaker;
        const breaker = {
          requests: use(b.requests),
          retries: use(b.retries),
          pendingRequests: use(b.pendingRequests),
          connections: use(b.connections),
        };
        out[service] = { ...out[service], breaker };
      } else if (kind === 'detector')
        out[service] = { ...out[service], outliers: (e.value as OutlierDetector).snapshot() };
    }
    return out;
  };

  return {
    build,
    faultReport,
    stateReport,
    size: () => entries.size,
    loggerCount: () => loggers.size,
    close: () => {
      for (const e of entries.values()) e.dispose?.();
      entries.clear();
    },
  };
};

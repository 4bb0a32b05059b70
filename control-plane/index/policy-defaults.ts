// The defaults weft applies to TrafficPolicy blocks (documented in docs/configuration.md):
// a block the user writes is completed with these; a block the user omits stays off.
import {
  CONNECTION_DEFAULTS,
  type ConnectionView,
  type CircuitBreakerView,
  type OutlierDetectionView,
  type PolicyRules,
  type RetryPolicyView,
} from '../../api/model/policy.ts';
import type { PolicyRulesSpec, TrafficPolicyResource } from '../../api/schema/traffic-policy.ts';

export const RETRY_DEFAULTS: RetryPolicyView = {
  attempts: 3,
  retryOn: ['5xx', 'reset', 'connect-failure', 'refused-stream', 'unavailable'],
  backoff: { baseMs: 25, maxMs: 250 },
  budget: { ratio: 0.2, minPerSecond: 10, windowMs: 10_000 },
  maxReplayBytes: 65_536,
  retryNonIdempotent: false,
};

export const CIRCUIT_BREAKER_DEFAULTS: CircuitBreakerView = {
  maxConnections: 1024,
  maxPendingRequests: 1024,
  maxRequests: 1024,
  maxRetries: 3,
};

/**
 * consecutiveGatewayErrors defaults to 5 like consecutive5xx: connect failures and resets
 * count only as gateway errors, so this is what ejects an endpoint that stopped listening.
 */
export const OUTLIER_DEFAULTS: OutlierDetectionView = {
  consecutive5xx: 5,
  consecutiveGatewayErrors: 5,
  intervalMs: 10_000,
  baseEjectionTimeMs: 30_000,
  maxEjectionPercent: 10,
};

export const FAULT_PERCENT_DEFAULT = 100;

type Retries = NonNullable<PolicyRulesSpec['retries']>;

/** defaults, overridden by every field the user gave (undefined = not given). */
const filled = <T extends object>(defaults: T, given: Partial<Record<keyof T, unknown>>): T => {
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [k, v] of Object.entries(given)) if (v !== undefined) out[k] = v;
  return out as T;
};

const retriesView = (r: Retries): RetryPolicyView => {
  const d = RETRY_DEFAULTS;
  return {
    ...filled(d, {
      attempts: r.attempts,
      perTryTimeoutMs: r.perTryTimeout,
      retryOn: r.retryOn,
      retriableStatusCodes: r.retriableStatusCodes,
      maxReplayBytes: r.maxReplayBytes,
      retryNonIdempotent: r.retryNonIdempotent,
    }),
    backoff: filled(d.backoff, { baseMs: r.backoff?.base, maxMs: r.backoff?.max }),
    budget: filled(d.budget, {
      ratio: r.budget?.ratio,
      minPerSecond: r.budget?.minPerSecond,
      windowMs: r.budget?.window,
    }),
  };
};

/** One block set (service level or one route) with defaults applied. */
export const rulesView = (spec: PolicyRulesSpec): PolicyRules => {
  const od = spec.outlierDetection;
  return {
    ...(spec.timeout !== undefined ? { timeoutMs: spec.timeout } : {}),
    ...(spec.retries ? { retries: retriesView(spec.retries) } : {}),
    ...(spec.circuitBreaker ? { circuitBreaker: filled(CIRCUIT_BREAKER_DEFAULTS, spec.circuitBreaker) } : {}),
    ...(od
      ? {
          outlierDetection: filled(OUTLIER_DEFAULTS, {
            consecutive5xx: od.consecutive5xx,
            consecutiveGatewayErrors: od.consecutiveGatewayErrors,
            intervalMs: od.interval,
            baseEjectionTimeMs: od.baseEjectionTime,
            maxEjectionPercent: od.maxEjectionPercent,
          }),
        }
      : {}),
  };
};

/**
 * The service-level `connection` block with defaults applied. Unlike the blocks above it is never
 * off: the sidecar applies CONNECTION_DEFAULTS to services without it, so it is left out of the
 * view when the user did not write it.
 */
export const connectionView = (
  spec: Pick<TrafficPolicyResource['spec'], 'connection'>,
): { connection?: ConnectionView } => {
  const c = spec.connection;
  if (!c) return {};
  return {
    connection: filled(CONNECTION_DEFAULTS, {
      connectTimeoutMs: c.connectTimeout,
      handshakeTimeoutMs: c.handshakeTimeout,
      maxConnectionsPerEndpoint: c.maxConnectionsPerEndpoint,
      maxPendingRequestsPerEndpoint: c.maxPendingRequestsPerEndpoint,
    }),
  };
};

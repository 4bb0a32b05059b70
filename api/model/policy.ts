// Normalised policy views (durations in milliseconds, defaults applied) that the control plane
// compiles from TrafficPolicy / FaultInjection resources and sidecar layers consume.
import type { RouteMatch } from './snapshot.ts';

/** Retry conditions, in the order docs/policies.md lists them. */
export const RETRY_ON = [
  '5xx',
  'gateway-error',
  'reset',
  'connect-failure',
  'retriable-status-codes',
  'refused-stream',
  'unavailable',
  'cancelled',
  'deadline-exceeded',
  'resource-exhausted',
  'internal',
] as const;

export type RetryOn = (typeof RETRY_ON)[number];

export interface RetryPolicyView {
  /** Retries after the first try (Istio's meaning): attempts 3 → at most 4 tries. */
  readonly attempts: number;
  readonly perTryTimeoutMs?: number;
  readonly retryOn: readonly RetryOn[];
  readonly retriableStatusCodes?: readonly number[];
  readonly backoff: { readonly baseMs: number; readonly maxMs: number };
  /** Linkerd-style budget: retries may add at most `ratio` of the request rate plus `minPerSecond`. */
  readonly budget: { readonly ratio: number; readonly minPerSecond: number; readonly windowMs: number };
  /** Request bodies up to this size are buffered for replay; larger ones are not retried. */
  readonly maxReplayBytes: number;
  /** Retry non-idempotent methods on more than connect-failure/refused-stream. */
  readonly retryNonIdempotent: boolean;
}

export interface CircuitBreakerView {
  readonly maxConnections: number;
  readonly maxPendingRequests: number;
  readonly maxRequests: number;
  readonly maxRetries: number;
}

export interface OutlierDetectionView {
  readonly consecutive5xx: number;
  readonly consecutiveGatewayErrors: number;
  readonly intervalMs: number;
  readonly baseEjectionTimeMs: number;
  readonly maxEjectionPercent: number;
}

/**
 * How a sidecar connects to the endpoints of one service (TrafficPolicy `connection`). Always in
 * force: CONNECTION_DEFAULTS apply to services without the block and complete a partial one.
 */
export interface ConnectionView {
  /** TCP connect deadline of a new connection. */
  readonly connectTimeoutMs: number;
  /** Mesh mTLS handshake deadline, counted from the TCP connect. */
  readonly handshakeTimeoutMs: number;
  /** Connections open to one endpoint (idle, busy and dialling) at most. */
  readonly maxConnectionsPerEndpoint: number;
  /** Requests waiting for a connection to one endpoint at most; beyond, they fail at once. */
  readonly maxPendingRequestsPerEndpoint: number;
}

/**
 * Connect within 1 s (linkerd2-proxy's outbound default: a connect inside a cluster takes well
 * under a millisecond, so a second means the endpoint is not there), handshake within 3 s (the
 * peer sidecar may be busy), and Envoy's circuit-breaker defaults of 1024 connections and 1024
 * pending requests, here per endpoint.
 */
export const CONNECTION_DEFAULTS: ConnectionView = {
  connectTimeoutMs: 1_000,
  handshakeTimeoutMs: 3_000,
  maxConnectionsPerEndpoint: 1024,
  maxPendingRequestsPerEndpoint: 1024,
};

export interface PolicyRules {
  readonly timeoutMs?: number;
  readonly retries?: RetryPolicyView;
  readonly circuitBreaker?: CircuitBreakerView;
  readonly outlierDetection?: OutlierDetectionView;
}

export interface RouteOverride {
  readonly match: RouteMatch;
  readonly rules: PolicyRules;
}

export interface TrafficPolicyView extends PolicyRules {
  /** `namespace/name` of the TrafficPolicy. */
  readonly name: string;
  readonly routes?: readonly RouteOverride[];
  /** Per service, not per route: the connections to an endpoint are shared by every route. */
  readonly connection?: ConnectionView;
}

export interface FaultView {
  /** `namespace/name` of the FaultInjection. */
  readonly name: string;
  readonly match?: RouteMatch;
  /** Source service accounts (`namespace/name`) the fault applies to; absent = every caller. */
  readonly sources?: readonly string[];
  readonly delay?: { readonly fixedMs: number; readonly percent: number };
  readonly abort?: { readonly httpStatus?: number; readonly grpcStatus?: number; readonly percent: number };
  /** Wall-clock epoch ms after which the experiment is over (from spec.duration). */
  readonly endsAtMs?: number;
}

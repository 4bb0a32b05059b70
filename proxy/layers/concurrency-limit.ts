// Circuit breaker as resource counters (like Envoy's resource manager): requests in flight,
// pending requests, retries in flight and connections, each with a limit; over the limit fails fast.
import type { CircuitBreakerView } from '../../api/model/policy.ts';
import { MeshError } from '../stack/errors.ts';
import type { Layer } from '../stack/types.ts';
import { whenBodyDone } from './body-done.ts';
import { connectionLimitLayer } from './connection-limit.ts';
import { leaseOf, type Lease } from './lease.ts';
import { note, type PolicyDeps } from './policy-deps.ts';
import type { CircuitLimit } from './policy-metrics.ts';
import type { RetryGate } from './retry.ts';

export interface Resource {
  readonly limit: CircuitLimit;
  readonly max: number;
  inUse(): number;
  /** Takes one unit, or counts a rejection and returns undefined when all are in use. */
  tryAcquire(): Lease | undefined;
}

const resource = (limit: CircuitLimit, max: number, deps: Partial<PolicyDeps>): Resource => {
  let used = 0;
  const give = (): void => void used--;
  return {
    limit,
    max,
    inUse: () => used,
    tryAcquire: () => {
      if (used >= max) {
        deps.metrics?.circuitRejected(limit);
        return undefined;
      }
      used++;
      return leaseOf(give);
    },
  };
};

/** One per backend service: the layer, the retry gate for retryLayer and counters for the transport. */
export interface CircuitBreaker extends RetryGate {
  readonly layer: Layer;
  readonly requests: Resource;
  readonly retries: Resource;
  /** For the connection pool: requests waiting for a connection (call tryAcquire before queueing). */
  readonly pendingRequests: Resource;
  /** For the connection pool: open connections to the backend. */
  readonly connections: Resource;
  readonly maxConnections: number;
  /** Between balancer and client: HTTP/1.1 tries take a connection unit or wait as pending. */
  readonly connectionLayer: Layer;
}

export const circuitBreaker = (view: CircuitBreakerView, deps: Partial<PolicyDeps>): CircuitBreaker => {
  const requests = resource('max_requests', view.maxRequests, deps);
  const retries = resource('max_retries', view.maxRetries, deps);
  // A request holds its slot until its response body ends or errors, not just until headers.
  const layer: Layer = (next) => async (req, ctx) => {
    const lease = requests.tryAcquire();
    if (!lease) {
      note(req, ctx, 'circuit:open:max_requests');
      throw new MeshError(
        'CIRCUIT_OPEN',
        `${view.maxRequests} requests already in flight to ${(ctx.backend ?? ctx.service).name}`,
      );
    }
    let res;
    try {
      res = await next(req, ctx);
    } catch (e) {
      lease();
      throw e;
    }
    whenBodyDone(res, lease);
    return res;
  };
  const pendingRequests = resource('max_pending_requests', view.maxPendingRequests, deps);
  const connections = resource('max_connections', view.maxConnections, deps);
  return {
    layer,
    requests,
    retries,
    pendingRequests,
    connections,
    connectionLayer: connectionLimitLayer({ connections, pendingRequests }),
    maxConnections: view.maxConnections,
    tryAcquireRetry: retries.tryAcquire,
  };
};

// maxConnections / maxPendingRequests of one backend's circuit breaker, enforced between the
// balancer and the client. An HTTP/1.1 connection carries one request at a time, so each HTTP/1.1
// try holds one connection unit until its response body is done; the keep-alive pool then never
// needs more sockets to the backend than units were handed out. When all units are taken the try
// waits (pending) for one; when maxPendingRequests are already waiting it fails fast.
// HTTP/2 tries pass: they share one session per endpoint, which the pool opens on its own.
import { MeshError } from '../stack/errors.ts';
import type { CallCtx, Layer, MeshRequest } from '../stack/types.ts';
import { whenBodyDone } from './body-done.ts';
import { leaseOf, type Lease } from './lease.ts';
import { note } from './policy-deps.ts';
import type { Resource } from './concurrency-limit.ts';

export interface ConnectionLimit {
  readonly connections: Resource;
  readonly pendingRequests: Resource;
}

export const connectionLimitLayer = (limit: ConnectionLimit): Layer => {
  const { connections, pendingRequests } = limit;
  const waiting: ((held: Lease) => void)[] = [];
  // A freed unit goes straight to the oldest waiter, so it cannot be taken by a newcomer first.
  const hold = (unit: Lease): Lease =>
    leaseOf(() => {
      const waiter = waiting.shift();
      if (waiter) waiter(hold(unit));
      else unit();
    });
  const waitForUnit = (ctx: CallCtx, pending: Lease): Promise<Lease> =>
    new Promise((resolve, reject) => {
      const granted = (held: Lease): void => {
        ctx.signal.removeEventListener('abort', aborted);
        pending();
        resolve(held);
      };
      const aborted = (): void => {
        const i = waiting.indexOf(granted);
        if (i >= 0) waiting.splice(i, 1);
        pending();
        reject(ctx.signal.reason);
      };
      waiting.push(granted);
      ctx.signal.addEventListener('abort', aborted, { once: true });
    });

  const acquire = async (req: MeshRequest, ctx: CallCtx): Promise<Lease> => {
    // Only rejections are counted: a full connection set makes the try wait, which is no rejection.
    const unit = waiting.length === 0 && connections.inUse() < connections.max && connections.tryAcquire();
    if (unit) return hold(unit);
    const pending = pendingRequests.tryAcquire();
    if (!pending) {
      note(req, ctx, 'circuit:open:max_pending_requests');
      throw new MeshError(
        'CIRCUIT_OPEN',
        `maxPendingRequests: ${pendingRequests.max} requests already wait for one of ` +
          `${connections.max} connections to ${(ctx.backend ?? ctx.service).name}`,
      );
    }
    if (ctx.signal.aborted) {
      pending();
      throw ctx.signal.reason;
    }
    return waitForUnit(ctx, pending);
  };

  return (next) => async (req, ctx) => {
    if (req.protocol !== 'http1') return next(req, ctx);
    const lease = await acquire(req, ctx);
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
};

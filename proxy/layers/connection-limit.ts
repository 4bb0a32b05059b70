// maxConnections / maxPendingRequests of one backend's circuit breaker, enforced between the
// balancer and the client. An HTTP/1.1 connection carries one request at a time, so each HTTP/1.1
// try holds one connection unit until its response body is done; the keep-alive pool then never
// needs more sockets to the backend than units were handed out. When all units are taken the try
// waits (pending) for one; when maxPendingRequests are already waiting it fails fast.
// HTTP/2 tries pass: they share one session per endpoint, which the pool opens on its own.
import { MeshError } from '../stack/errors.ts';
import type { CallCtx, Layer } from '../stack/types.ts';
import { whenBodyDone } from './body-done.ts';
import { note } from './policy-deps.ts';
import type { Resource } from './concurrency-limit.ts';

export interface ConnectionLimit {
  readonly connections: Resource;
  readonly pendingRequests: Resource;
}

export const connectionLimitLayer = (limit: ConnectionLimit): Layer => {
  const { connections, pendingRequests } = limit;
  const waiting: (() => void)[] = [];
  // A freed unit goes straight to the oldest waiter, so it cannot be taken by a newcomer first.
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else connections.release();
  };
  const waitForUnit = (ctx: CallCtx): Promise<void> =>
    new Promise((resolve, reject) => {
      const granted = (): void => {
        ctx.signal.removeEventListener('abort', aborted);
        pendingRequests.release();
        resolve();
      };
      const aborted = (): void => {
        const i = waiting.indexOf(granted);
        if (i >= 0) waiting.splice(i, 1);
        pendingRequests.release();
        reject(ctx.signal.reason);
      };
      waiting.push(granted);
      ctx.signal.addEventListener('abort', aborted, { once: true });
    });

  return (next) => async (req, ctx) => {
    if (req.protocol !== 'http1') return next(req, ctx);
    // Only rejections are counted: connections is never over its max here, as we check first.
    if (connections.inUse() >= connections.max || waiting.length > 0) {
      if (!pendingRequests.tryAcquire()) {
        note(req, ctx, 'circuit:open:max_pending_requests');
        throw new MeshError(
          'CIRCUIT_OPEN',
          `maxPendingRequests: ${pendingRequests.max} requests already wait for one of ` +
            `${connections.max} connections to ${(ctx.backend ?? ctx.service).name}`,
        );
      }
      if (ctx.signal.aborted) {
        pendingRequests.release();
        throw ctx.signal.reason;
      }
      await waitForUnit(ctx);
    } else connections.tryAcquire();
    let res;
    try {
      res = await next(req, ctx);
    } catch (e) {
      release();
      throw e;
    }
    whenBodyDone(res, release);
    return res;
  };
};

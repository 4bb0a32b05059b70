import { PassThrough } from 'node:stream';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { CircuitBreakerView } from '../../api/model/policy.ts';
import { isMeshError } from '../stack/errors.ts';
import type { MeshResponse } from '../stack/types.ts';
import { circuitBreaker } from './concurrency-limit.ts';
import { policyMetrics } from './policy-metrics.ts';
import { callCtx, flush, rejection, request, response, stub } from './policy-testkit.ts';

const view = (over: Partial<CircuitBreakerView> = {}): CircuitBreakerView => ({
  maxConnections: 100,
  maxPendingRequests: 10,
  maxRequests: 3,
  maxRetries: 2,
  ...over,
});

/** A slow backend: each call waits until the test answers it. */
const slowBackend = () => {
  const waiting: ((r: MeshResponse) => void)[] = [];
  const backend = stub(() => new Promise<MeshResponse>((resolve) => waiting.push(resolve)));
  return { backend, waiting };
};

describe('circuit breaker (concurrency limit)', () => {
  it('fails request N+1 fast with CIRCUIT_OPEN; the backend never sees it', async () => {
    const registry = new Registry();
    const metrics = policyMetrics(registry).forService('demo/catalog');
    const cb = circuitBreaker(view({ maxRequests: 3 }), { metrics });
    const { backend, waiting } = slowBackend();
    const h = cb.layer(backend);
    const inFlight = [1, 2, 3].map(() => h(request(), callCtx()));
    const ctx = callCtx();
    const e = await rejection(h(request({ headers: { 'x-weft-debug': '1' } }), ctx));
    expect(isMeshError(e) && e.code).toBe('CIRCUIT_OPEN');
    expect(backend.calls).toBe(3);
    expect(ctx.notes).toEqual(['circuit:open:max_requests']);
    expect(await registry.metrics()).toContain(
      'weft_circuit_breaker_rejections_total{service="demo/catalog",limit="max_requests"} 1',
    );

    // Finishing one (no body) frees its slot for the next request.
    waiting[0]!(response(204));
    await inFlight[0];
    const fourth = h(request(), callCtx());
    await flush();
    expect(backend.calls).toBe(4);
    waiting.slice(1).forEach((answer) => answer(response(204)));
    await Promise.all([...inFlight, fourth]);
    expect(cb.requests.inUse()).toBe(0);
  });

  it('holds the slot until the response body ends or errors', async () => {
    const cb = circuitBreaker(view({ maxRequests: 1 }), {});
    const body = new PassThrough();
    const h = cb.layer(stub(async () => response(200, {}, body)));
    const res = await h(request(), callCtx());
    expect(cb.requests.inUse()).toBe(1);
    expect(isMeshError(await rejection(h(request(), callCtx())))).toBe(true);
    res.body?.resume();
    body.end('done');
    await flush();
    expect(cb.requests.inUse()).toBe(0);

    const broken = new PassThrough();
    await cb.layer(stub(async () => response(200, {}, broken)))(request(), callCtx());
    broken.destroy(new Error('reset'));
    await flush();
    expect(cb.requests.inUse()).toBe(0);
  });

  it('releases the slot when the inner call throws', async () => {
    const cb = circuitBreaker(view({ maxRequests: 1 }), {});
    const failing = stub(async () => {
      throw new Error('boom');
    });
    await rejection(cb.layer(failing)(request(), callCtx()));
    expect(cb.requests.inUse()).toBe(0);
  });

  it('limits retries in flight and exposes connection and pending limits for the transport', () => {
    const cb = circuitBreaker(view({ maxRetries: 2, maxConnections: 7, maxPendingRequests: 1 }), {});
    const [first, second, third] = [cb.tryAcquireRetry(), cb.tryAcquireRetry(), cb.tryAcquireRetry()];
    expect([first, second, third].map((l) => l !== undefined)).toEqual([true, true, false]);
    first?.();
    expect(cb.tryAcquireRetry()).toBeDefined();
    expect(cb.maxConnections).toBe(7);
    expect(cb.connections.max).toBe(7);
    const pending = [cb.pendingRequests.tryAcquire(), cb.pendingRequests.tryAcquire()];
    expect(pending.map((l) => l !== undefined)).toEqual([true, false]);
  });

  it('a lease gives back its own unit once: releasing it twice cannot free a unit another holds', () => {
    const cb = circuitBreaker(view({ maxRetries: 2 }), {});
    const a = cb.retries.tryAcquire();
    const b = cb.retries.tryAcquire();
    expect(cb.retries.inUse()).toBe(2);
    a?.();
    a?.(); // a second release of the same unit (an error path and a body-end path both firing)
    expect(cb.retries.inUse()).toBe(1); // b still holds its unit
    expect(cb.retries.tryAcquire()).toBeDefined();
    expect(cb.retries.tryAcquire()).toBeUndefined();
    b?.();
    expect(cb.retries.inUse()).toBe(1);
  });
});

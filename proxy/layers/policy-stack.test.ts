// The policy layers composed in the documented stack order over stub split/balancer stand-ins:
// checks how they interact (fault outside retry, timeout bounding retries, debug notes).
import { describe, expect, it } from 'vitest';
import type { RetryPolicyView } from '../../api/model/policy.ts';
import { ManualClock, seededRandom } from '../../api/runtime/clock.ts';
import { endpointKey } from '../stack/endpoint-health.ts';
import { isMeshError } from '../stack/errors.ts';
import { compose, type Handler, type Layer } from '../stack/types.ts';
import { circuitBreaker } from './concurrency-limit.ts';
import { faultLayer } from './fault.ts';
import { outlierDetector, outlierLayer } from './outlier-detection.ts';
import { perTryTimeoutLayer } from './per-try-timeout.ts';
import { callCtx, drive, flush, hanging, rejection, request, response, stub } from './policy-testkit.ts';
import { retryLayer } from './retry.ts';
import { timeoutLayer } from './timeout.ts';

const retries: RetryPolicyView = {
  attempts: 4,
  perTryTimeoutMs: 300,
  retryOn: ['5xx'],
  backoff: { baseMs: 0, maxMs: 0 },
  budget: { ratio: 1, minPerSecond: 100, windowMs: 10_000 },
  maxReplayBytes: 65_536,
  retryNonIdempotent: false,
};

const endpoints = ['10.0.0.1', '10.0.0.2', '10.0.0.3'].map((address) => ({ address, port: 8080 }));

/** Picks the first endpoint not yet tried (or ejected), like the real balancer. */
const balancerStub =
  (isEjected: (k: string) => boolean): Layer =>
  (next) =>
  (req, ctx) => {
    const free = endpoints.filter((e) => !isEjected(endpointKey(e)));
    ctx.endpoint = free.find((e) => !ctx.tried.has(endpointKey(e))) ?? free[0];
    return next(req, ctx);
  };

const stack = (backend: Handler, opts: { timeoutMs?: number; abortPercent?: number } = {}) => {
  const clock = new ManualClock();
  const deps = { clock, random: seededRandom(9) };
  const breaker = circuitBreaker(
    { maxConnections: 10, maxPendingRequests: 10, maxRequests: 10, maxRetries: 3 },
    deps,
  );
  const od = outlierDetector(
    {
      consecutive5xx: 5,
      consecutiveGatewayErrors: 5,
      intervalMs: 0,
      baseEjectionTimeMs: 30_000,
      maxEjectionPercent: 50,
    },
    deps,
  );
  const fault = faultLayer(
    [
      {
        name: 'demo/chaos',
        delay: { fixedMs: 50, percent: 100 },
        abort: { httpStatus: 503, percent: opts.abortPercent ?? 0 },
      },
    ],
    deps,
  );
  const h = compose(
    timeoutLayer({ timeoutMs: opts.timeoutMs ?? 10_000 }, deps),
    fault,
    retryLayer(retries, { ...deps, retryGate: breaker }),
    breaker.layer,
    balancerStub((k) => od.isEjected(k)),
    outlierLayer(od),
    perTryTimeoutLayer({ perTryTimeoutMs: 300 }, deps),
  )(backend);
  return { clock, h, breaker };
};

describe('policy layers in stack order', () => {
  it('an injected abort is not retried away and never reaches the backend', async () => {
    const backend = stub(async () => response(200));
    const { clock, h } = stack(backend, { abortPercent: 100 });
    const res = await drive(clock, h(request(), callCtx()), 50);
    expect(res.status).toBe(503);
    expect(res.headers['x-weft-fault']).toBe('abort');
    expect(backend.calls).toBe(0);
  });

  it('the request timeout bounds all tries: per-try 300 ms, timeout 1 s → 4 tries, REQUEST_TIMEOUT', async () => {
    const backend = hanging();
    const { clock, h, breaker } = stack(backend, { timeoutMs: 1000 });
    const p = rejection(h(request(), callCtx()));
    // fault delay 50 ms, then tries start at 50, 350, 650, 950; the deadline is at 1000.
    for (let t = 0; t < 1000; t += 50) {
      await flush();
      clock.advance(50);
    }
    const e = await p;
    expect(isMeshError(e) && e.code).toBe('REQUEST_TIMEOUT');
    expect(backend.calls).toBe(4);
    await flush();
    expect(breaker.requests.inUse()).toBe(0);
    expect(breaker.retries.inUse()).toBe(0);
  });

  it('retries onto other endpoints and reports every decision for x-weft-debug requests', async () => {
    const backend = stub(async (_req, ctx) => response(ctx.endpoint?.address === '10.0.0.3' ? 200 : 503));
    const { clock, h } = stack(backend);
    const ctx = callCtx();
    const res = await drive(clock, h(request({ headers: { 'x-weft-debug': '1' } }), ctx), 50);
    expect(res.status).toBe(200);
    expect(ctx.notes).toEqual(['fault:delay:demo/chaos:50ms', 'retry:1:503', 'retry:2:503']);
    expect([...ctx.tried]).toEqual(['10.0.0.1:8080', '10.0.0.2:8080', '10.0.0.3:8080']);
  });
});

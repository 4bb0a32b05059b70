import { Readable } from 'node:stream';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { RetryPolicyView } from '../../api/model/policy.ts';
import { ManualClock, seededRandom } from '../../api/runtime/clock.ts';
import { endpointKey } from '../stack/endpoint-health.ts';
import { isMeshError } from '../stack/errors.ts';
import { compose, type Handler } from '../stack/types.ts';
import { perTryTimeoutLayer } from './per-try-timeout.ts';
import { policyMetrics } from './policy-metrics.ts';
import {
  bodyOf,
  bytes,
  callCtx,
  down,
  drive,
  flaky,
  flush,
  hanging,
  reading,
  rejection,
  request,
  response,
  stub,
} from './policy-testkit.ts';
import { leaseOf } from './lease.ts';
import { retryLayer, type RetryGate } from './retry.ts';

const policy = (over: Partial<RetryPolicyView> = {}): RetryPolicyView => ({
  attempts: 2,
  retryOn: ['5xx', 'connect-failure'],
  backoff: { baseMs: 0, maxMs: 0 },
  budget: { ratio: 1, minPerSecond: 10, windowMs: 10_000 },
  maxReplayBytes: 64 * 1024,
  retryNonIdempotent: false,
  ...over,
});

const setup = (over: Partial<RetryPolicyView> = {}, seed = 1) => {
  const clock = new ManualClock();
  const registry = new Registry();
  const metrics = policyMetrics(registry).forService('demo/catalog');
  const deps = { clock, random: seededRandom(seed), metrics };
  return { clock, registry, deps, layer: retryLayer(policy(over), deps) };
};

const counterValue = async (registry: Registry, name: string): Promise<number> => {
  const m = await registry.getSingleMetric(name)?.get();
  return m?.values.reduce((a, v) => a + v.value, 0) ?? 0;
};

/** Sends n sequential requests, spacing them gapMs apart; returns how many got a 2xx. */
const load = async (
  clock: ManualClock,
  h: Handler,
  n: number,
  gapMs: number,
  stepMs: number,
): Promise<number> => {
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const res = await drive(clock, h(request(), callCtx()), stepMs).catch(() => undefined);
    if (res && res.status < 300) ok++;
    clock.advance(gapMs);
  }
  return ok;
};

describe('retry layer: statistics', () => {
  it.each([
    // Expected success 1 − 0.3^(attempts+1); n = 10,000, so σ = √(p(1−p)/n): 0.16 pp (3 tries), 0.09 pp (4 tries).
    // attempts=2 (3 tries): expect 97.3 %, assert ≥ 96.8 % (≈3σ). attempts=3 (4 tries): expect 99.19 %, assert ≥ 99 % (≈2σ; seed fixed).
    [2, 0.968, 0.973],
    [3, 0.99, 0.9919],
  ])(
    '30 %% 503 backend with attempts=%i succeeds ≥ %f of 10,000 requests',
    async (attempts, floor, expected) => {
      const n = 10_000;
      const { clock, registry, layer } = setup({
        attempts,
        backoff: { baseMs: 25, maxMs: 250 },
        budget: { ratio: 1, minPerSecond: 10, windowMs: 10_000 }, // generous: the budget must not bind here
      });
      const backend = flaky(seededRandom(42), 0.3);
      const ok = await load(clock, layer(backend), n, 5, 25);
      expect(ok / n).toBeGreaterThanOrEqual(floor);
      expect(Math.abs(ok / n - expected)).toBeLessThan(0.006);
      // Every try beyond the first is one counted retry.
      expect(await counterValue(registry, 'weft_retries_total')).toBe(backend.calls - n);
    },
  );

  it('caps the extra load on a hard-down backend at the budget ratio (+ minPerSecond)', async () => {
    const n = 10_000;
    const { clock, registry, layer } = setup({
      attempts: 2,
      budget: { ratio: 0.2, minPerSecond: 1, windowMs: 10_000 },
    });
    const backend = down('CONNECT_FAILED');
    // 100 requests/s for 100 s: allowed extra = 0.2 × 10,000 + 1/s × 100 s = 2,100 → ratio 0.21.
    // Without a budget it would be 2.0 (two retries each). The 10-slot sliding window may let a
    // slot's worth through early; tolerance ±0.015 covers that edge effect.
    await load(clock, layer(backend), n, 10, 1);
    const extra = (backend.calls - n) / n;
    expect(extra).toBeGreaterThan(0.195);
    expect(extra).toBeLessThan(0.225);
    const exhausted = await counterValue(registry, 'weft_retry_budget_exhausted_total');
    // Every request wanted a first retry; those that did not get one were counted as exhausted.
    expect(exhausted).toBeGreaterThan(n * 0.75);
  });
});

describe('retry layer: behaviour', () => {
  it('honours perTryTimeout on the manual clock and gives up after all attempts', async () => {
    const { clock, layer } = setup({ attempts: 2, perTryTimeoutMs: 100 });
    const backend = hanging();
    const ctx = callCtx();
    const h = compose(layer, perTryTimeoutLayer({ perTryTimeoutMs: 100 }, { clock }))(backend);
    const p = h(request(), ctx);
    const e = rejection(p);
    await flush();
    clock.advance(99);
    await flush();
    expect(backend.calls).toBe(1);
    clock.advance(1);
    await flush();
    expect(backend.calls).toBe(2);
    expect(ctx.attempt).toBe(1);
    clock.advance(100);
    await flush();
    expect(backend.calls).toBe(3);
    clock.advance(100);
    const err = await e;
    expect(isMeshError(err) && err.code).toBe('PER_TRY_TIMEOUT');
    expect(backend.calls).toBe(3);
  });

  it('does not retry a POST that got a 503, but does when it never connected', async () => {
    const { clock, layer } = setup();
    const unavailable = stub(async () => response(503));
    const res = await drive(clock, layer(unavailable)(request({ method: 'POST' }), callCtx()));
    expect(res.status).toBe(503);
    expect(unavailable.calls).toBe(1);

    const refused = down('CONNECT_FAILED');
    await rejection(drive(clock, layer(refused)(request({ method: 'POST' }), callCtx())));
    expect(refused.calls).toBe(3);
  });

  it('retries a POST on 503 when retryNonIdempotent is set', async () => {
    const { clock, layer } = setup({ retryNonIdempotent: true });
    const unavailable = stub(async () => response(503));
    await drive(clock, layer(unavailable)(request({ method: 'POST' }), callCtx()));
    expect(unavailable.calls).toBe(3);
  });

  it('does not retry bodies over maxReplayBytes (64 KiB)', async () => {
    const { clock, layer } = setup();
    const seen: Buffer[] = [];
    const backend = reading(503, seen);
    const big = bytes(100 * 1024);
    const res = await drive(clock, layer(backend)(request({ method: 'PUT', body: bodyOf(big) }), callCtx()));
    expect(res.status).toBe(503);
    expect(backend.calls).toBe(1);
    expect(seen[0]?.equals(big)).toBe(true);
  });

  it('replays bodies under the limit byte for byte on every try', async () => {
    const { clock, layer } = setup();
    const seen: Buffer[] = [];
    const backend = reading(503, seen);
    const small = bytes(20_000);
    await drive(clock, layer(backend)(request({ method: 'PUT', body: bodyOf(small, 4096) }), callCtx()));
    expect(backend.calls).toBe(3);
    expect(seen.map((b) => b.equals(small))).toEqual([true, true, true]);
  });

  it('replays the whole body when the first try failed before reading it', async () => {
    const { clock, layer } = setup();
    const seen: Buffer[] = [];
    let first = true;
    const backend = stub(async (req, ctx) => {
      if (!first) return reading(200, seen)(req, ctx);
      first = false;
      return response(503);
    });
    const data = bytes(30_000);
    const res = await drive(
      clock,
      layer(backend)(request({ method: 'PUT', body: bodyOf(data, 1000) }), callCtx()),
    );
    expect(res.status).toBe(200);
    expect(seen[0]?.equals(data)).toBe(true);
  });

  it('sets ctx.attempt and ctx.tried so each retry goes to another endpoint', async () => {
    const { clock, layer } = setup({ attempts: 2 });
    const endpoints = [1, 2, 3].map((i) => ({ address: `10.0.0.${i}`, port: 8080 }));
    const picks: [number, string][] = [];
    // A balancer stand-in that skips endpoints already tried.
    const balancer = stub(async (_req, ctx) => {
      const ep = endpoints.find((e) => !ctx.tried.has(endpointKey(e))) ?? endpoints[0]!;
      ctx.endpoint = ep;
      picks.push([ctx.attempt, endpointKey(ep)]);
      return response(503);
    });
    await drive(clock, layer(balancer)(request(), callCtx()));
    expect(picks).toEqual([
      [0, '10.0.0.1:8080'],
      [1, '10.0.0.2:8080'],
      [2, '10.0.0.3:8080'],
    ]);
  });

  it('destroys the body of a response it retries and returns the last one intact', async () => {
    const { clock, layer } = setup({ attempts: 1 });
    const bodies: Readable[] = [];
    const backend = stub(async () => {
      const b = Readable.from(['oops'], { objectMode: false });
      bodies.push(b);
      return response(503, {}, b);
    });
    const res = await drive(clock, layer(backend)(request(), callCtx()));
    expect(bodies[0]?.destroyed).toBe(true);
    expect(res.body).toBe(bodies[1]);
    expect(bodies[1]?.destroyed).toBe(false);
  });

  it('leaves the response and the upload untouched when it decides not to retry', async () => {
    const { clock, layer } = setup({ budget: { ratio: 0, minPerSecond: 0, windowMs: 1000 } });
    const sent: Readable[] = [];
    const answer = Readable.from(['busy'], { objectMode: false });
    const backend = stub(async (req) => {
      if (req.body) sent.push(req.body);
      return response(503, {}, answer);
    });
    const res = await drive(
      clock,
      layer(backend)(request({ method: 'PUT', body: bodyOf(bytes(1000)) }), callCtx()),
    );
    expect(res.body).toBe(answer);
    expect(answer.destroyed).toBe(false);
    expect(sent[0]?.destroyed).toBe(false);
  });

  it('gives the retry unit back when an unread body turns out to be over the limit', async () => {
    let inFlight = 0;
    let taken = 0;
    const gate: RetryGate = {
      tryAcquireRetry: () => (++taken, ++inFlight, leaseOf(() => void inFlight--)),
    };
    const clock = new ManualClock();
    const layer = retryLayer(policy(), { clock, random: seededRandom(1), retryGate: gate });
    const backend = stub(async () => response(503)); // answers before reading the body
    const res = await drive(
      clock,
      layer(backend)(request({ method: 'PUT', body: bodyOf(bytes(200 * 1024), 1024) }), callCtx()),
    );
    expect(res.status).toBe(503);
    expect(backend.calls).toBe(1);
    expect(taken).toBe(1); // the overflow was found only while reading the rest of the body
    expect(inFlight).toBe(0);
  });

  it('waits a full-jitter back-off between tries on the injected clock', async () => {
    const { clock, layer } = setup({ attempts: 1, backoff: { baseMs: 1000, maxMs: 1000 } }, 3);
    const backend = stub(async () => response(503));
    const p = layer(backend)(request(), callCtx());
    await flush();
    expect(backend.calls).toBe(1);
    const expected = Math.floor(seededRandom(3)() * 1000); // the first draw of the same seed
    clock.advance(expected - 1);
    await flush();
    expect(backend.calls).toBe(1);
    clock.advance(1);
    await p;
    expect(backend.calls).toBe(2);
  });

  it('notes budget exhaustion for x-weft-debug requests and returns the last error', async () => {
    const { clock, registry, layer } = setup({ budget: { ratio: 0, minPerSecond: 0, windowMs: 1000 } });
    const backend = down('CONNECT_FAILED');
    const ctx = callCtx();
    const err = await rejection(
      drive(clock, layer(backend)(request({ headers: { 'x-weft-debug': '1' } }), ctx)),
    );
    expect(isMeshError(err) && err.code).toBe('CONNECT_FAILED');
    expect(backend.calls).toBe(1);
    expect(ctx.notes).toContain('retry:skipped:budget-exhausted');
    expect(await counterValue(registry, 'weft_retry_budget_exhausted_total')).toBe(1);
  });

  it("counts retries in flight against the breaker's maxRetries and releases them", async () => {
    let inFlight = 0;
    let max = 1;
    const gate: RetryGate = {
      tryAcquireRetry: () => (inFlight < max ? (++inFlight, leaseOf(() => void inFlight--)) : undefined),
    };
    const clock = new ManualClock();
    const layer = retryLayer(policy({ attempts: 2 }), { clock, random: seededRandom(1), retryGate: gate });
    const seenInFlight: number[] = [];
    const backend = stub(async () => {
      seenInFlight.push(inFlight);
      return response(503);
    });
    await drive(clock, layer(backend)(request(), callCtx()));
    expect(seenInFlight).toEqual([0, 1, 1]);
    expect(inFlight).toBe(0);

    max = 0;
    const again = stub(async () => response(503));
    await drive(clock, layer(again)(request(), callCtx()));
    expect(again.calls).toBe(1);
  });

  it('releases the retry slot when the handler throws synchronously on a retry', async () => {
    let inFlight = 0;
    const gate: RetryGate = { tryAcquireRetry: () => (++inFlight, leaseOf(() => void inFlight--)) };
    const clock = new ManualClock();
    const layer = retryLayer(policy(), { clock, random: seededRandom(1), retryGate: gate });
    let calls = 0;
    // The first try answers 503 (retryable); the retry's handler throws before returning a promise.
    const backend: Handler = () => {
      if (++calls === 1) return Promise.resolve(response(503));
      throw new Error('handler bug');
    };
    const err = await rejection(drive(clock, layer(backend)(request(), callCtx())));
    expect((err as Error).message).toBe('handler bug');
    expect(calls).toBe(2);
    expect(inFlight).toBe(0);
  });

  it('stops during back-off when the request is aborted, releasing the retry slot', async () => {
    let inFlight = 0;
    const gate: RetryGate = { tryAcquireRetry: () => (++inFlight, leaseOf(() => void inFlight--)) };
    const clock = new ManualClock();
    const layer = retryLayer(policy({ backoff: { baseMs: 1000, maxMs: 1000 } }), {
      clock,
      random: () => 0.5,
      retryGate: gate,
    });
    const ac = new AbortController();
    const backend = stub(async () => response(503));
    const p = rejection(layer(backend)(request(), callCtx({ signal: ac.signal })));
    await flush();
    ac.abort();
    const err = await p;
    expect(isMeshError(err) && err.code).toBe('INTERNAL');
    expect(inFlight).toBe(0);
    expect(backend.calls).toBe(1);
  });
});

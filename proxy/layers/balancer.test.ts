import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../../api/model/snapshot.ts';
import { ManualClock, seededRandom } from '../../api/runtime/clock.ts';
import { MeshError, isMeshError } from '../stack/errors.ts';
import type { EndpointHealth } from '../stack/endpoint-health.ts';
import type { Handler } from '../stack/types.ts';
import { balancerLayer, candidates, loadTracker } from './balancer.ts';
import { callCtx, request, response, testService } from './policy-testkit.ts';

const eps: Endpoint[] = [1, 2, 3, 4].map((i) => ({ address: '10.0.0.1', port: 8000 + i }));
const service = { ...testService, endpoints: eps };
const ejected = (...ports: number[]): EndpointHealth => ({
  isEjected: (k) => ports.some((p) => k.endsWith(`:${p}`)),
  record: () => undefined,
});

describe('candidates', () => {
  it('skips ejected endpoints, but falls back to all when every one is ejected', () => {
    expect(candidates(eps, { tried: new Set() }, ejected(8001, 8002)).map((e) => e.port)).toEqual([
      8003, 8004,
    ]);
    expect(candidates(eps, { tried: new Set() }, ejected(8001, 8002, 8003, 8004))).toHaveLength(4);
  });
  it('prefers endpoints the request has not tried', () => {
    const tried = new Set(['10.0.0.1:8001', '10.0.0.1:8003']);
    expect(candidates(eps, { tried }).map((e) => e.port)).toEqual([8002, 8004]);
    expect(candidates(eps.slice(0, 1), { tried })).toHaveLength(1);
  });
});

describe('balancerLayer (P2C over peak EWMA)', () => {
  it('steers traffic away from a slow endpoint', async () => {
    const clock = new ManualClock();
    const slowPort = 8002;
    // The backend "takes" 50 ms on the slow endpoint and 2 ms elsewhere, on the manual clock.
    const backend: Handler = async (_r, ctx) => {
      clock.advance(ctx.endpoint?.port === slowPort ? 50 : 2);
      return response(200);
    };
    const h = balancerLayer({ clock, random: seededRandom(3), load: loadTracker(clock) })(backend);
    const counts = new Map<number, number>();
    for (let i = 0; i < 2_000; i++) {
      const ctx = callCtx({ service });
      await h(request(), ctx);
      const port = ctx.endpoint?.port as number;
      counts.set(port, (counts.get(port) ?? 0) + 1);
    }
    // P2C only loses to the slow endpoint when both draws are it, which cannot happen (distinct
    // draws), so after its first sample it gets nothing more than its very first tries.
    expect(counts.get(slowPort) ?? 0).toBeLessThan(20);
    for (const p of [8001, 8003, 8004]) expect(counts.get(p)).toBeGreaterThan(400);
  });

  // Two endpoints on a fast network: A answers in 1 ms, B in 5 ms, one request every 100 ms of
  // the injected clock. B's last sample decays toward zero while it gets no traffic, so P2C probes
  // it again once 5·e^(-Δt/τ) falls below A's ≈1 ms: every τ·ln(5) ≈ 16.1 s (τ = 10 s). Tolerance:
  // ±0.5 s per probe interval (Δt moves in 101–105 ms steps, and A's estimate is a little under
  // 1 ms between its samples); the count allows the start, where both are unmeasured.
  it('keeps probing a slower endpoint: its stale estimate decays toward zero', async () => {
    const clock = new ManualClock();
    const two = { ...service, endpoints: eps.slice(0, 2) };
    const h = balancerLayer({ clock, random: seededRandom(7), load: loadTracker(clock) })(async (_r, ctx) => {
      clock.advance(ctx.endpoint?.port === 8002 ? 5 : 1);
      return response(200);
    });
    const slowAt: number[] = [];
    for (let i = 0; i < 2_000; i++) {
      const ctx = callCtx({ service: two });
      const sentAt = clock.now();
      await h(request(), ctx);
      if (ctx.endpoint?.port === 8002) slowAt.push(sentAt);
      clock.advance(100);
    }
    const total = clock.now();
    const expectedGap = 10_000 * Math.log(5);
    const gaps = slowAt
      .slice(1)
      .map((t, i) => t - (slowAt[i] as number))
      .filter((g) => g > 1_000);
    expect(gaps.length).toBeGreaterThanOrEqual(Math.floor(total / expectedGap) - 2);
    for (const g of gaps) expect(Math.abs(g - expectedGap)).toBeLessThan(500);
    expect(slowAt.length).toBeLessThan(2_000 * 0.01);
  });

  it('tries an endpoint that never answered at once, instead of pricing it at a fixed 10 ms', async () => {
    const clock = new ManualClock();
    const h = balancerLayer({ clock, random: seededRandom(11), load: loadTracker(clock) })(async (
      _r,
      ctx,
    ) => {
      clock.advance(ctx.endpoint?.port === 8002 ? 5 : 1);
      return response(200);
    });
    for (let i = 0; i < 100; i++)
      await h(request(), callCtx({ service: { ...service, endpoints: eps.slice(0, 1) } }));
    // B joins (a scale-up): it has no estimate yet, so it competes on A's estimate and on load.
    const firstB: number[] = [];
    for (let i = 0; i < 20; i++) {
      const ctx = callCtx({ service: { ...service, endpoints: eps.slice(0, 2) } });
      await h(request(), ctx);
      if (ctx.endpoint?.port === 8002) firstB.push(i);
    }
    // A tie goes to the first of the two seeded draws: B is picked with probability ½ per request
    // until its first answer, so missing it 10 times in a row has probability 2^-10.
    expect(firstB[0]).toBeLessThan(10);
  });

  it('counts outstanding requests: a busy endpoint loses to an idle one', async () => {
    const clock = new ManualClock();
    const load = loadTracker(clock);
    for (let i = 0; i < 5; i++) load.start('10.0.0.1:8001');
    const two = { ...service, endpoints: eps.slice(0, 2) };
    const h = balancerLayer({ clock, random: seededRandom(9), load })(async () => response(200));
    for (let i = 0; i < 20; i++) {
      const ctx = callCtx({ service: two });
      await h(request(), ctx);
      expect(ctx.endpoint?.port).toBe(8002);
    }
  });

  it('marks the chosen endpoint tried, honours ctx.backend, and fails NO_ENDPOINTS on none', async () => {
    const clock = new ManualClock();
    const h = balancerLayer({ clock, random: seededRandom(1), load: loadTracker(clock) })(async () =>
      response(200),
    );
    const ctx = callCtx({ service: { ...testService, endpoints: [] }, backend: service });
    await h(request(), ctx);
    expect(ctx.tried.size).toBe(1);
    const e = await h(request(), callCtx({ service: { ...testService, endpoints: [] } })).catch((x) => x);
    expect(isMeshError(e) && e.code).toBe('NO_ENDPOINTS');
  });

  it('penalises an endpoint whose tries fail fast', async () => {
    const clock = new ManualClock();
    const two = { ...service, endpoints: eps.slice(0, 2) };
    const failing: Handler = async (_r, ctx) => {
      if (ctx.endpoint?.port === 8001) throw new MeshError('CONNECT_FAILED', 'down');
      clock.advance(5);
      return response(200);
    };
    const h = balancerLayer({ clock, random: seededRandom(5), load: loadTracker(clock) })(failing);
    let failures = 0;
    for (let i = 0; i < 200; i++) await h(request(), callCtx({ service: two })).catch(() => failures++);
    expect(failures).toBeLessThanOrEqual(1);
  });
});

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

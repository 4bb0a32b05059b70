import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { OutlierDetectionView } from '../../api/model/policy.ts';
import type { Endpoint } from '../../api/model/snapshot.ts';
import { ManualClock } from '../../api/runtime/clock.ts';
import { endpointKey, type EndpointHealth, type TryOutcome } from '../stack/endpoint-health.ts';
import { MeshError } from '../stack/errors.ts';
import type { Handler } from '../stack/types.ts';
import { mayEject, outlierDetector, outlierLayer, tryOutcome } from './outlier-detection.ts';
import { policyMetrics } from './policy-metrics.ts';
import { callCtx, rejection, request, response } from './policy-testkit.ts';

const view = (over: Partial<OutlierDetectionView> = {}): OutlierDetectionView => ({
  consecutive5xx: 5,
  consecutiveGatewayErrors: 0,
  intervalMs: 10_000,
  baseEjectionTimeMs: 30_000,
  maxEjectionPercent: 50,
  ...over,
});

const endpoints = (n: number): Endpoint[] =>
  Array.from({ length: n }, (_, i) => ({ address: `10.0.0.${i + 1}`, port: 80 }));

/** Round-robin over the endpoints the health object does not eject (a stand-in for the balancer). */
const balancer =
  (eps: readonly Endpoint[], health: EndpointHealth): ((next: Handler) => Handler) =>
  (next) => {
    let i = 0;
    return (req, ctx) => {
      const live = eps.filter((e) => !health.isEjected(endpointKey(e)));
      ctx.endpoint = live[i++ % live.length];
      return next(req, ctx);
    };
  };

/** Sends n requests; returns how many each endpoint received. */
const send = async (h: Handler, n: number): Promise<Map<string, number>> => {
  const hits = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const ctx = callCtx();
    await h(request(), ctx).catch(() => undefined);
    const key = ctx.endpoint ? endpointKey(ctx.endpoint) : 'none';
    hits.set(key, (hits.get(key) ?? 0) + 1);
  }
  return hits;
};

describe('outlier detection', () => {
  it('ejects after consecutive5xx, sends it nothing while ejected, re-admits, and doubles the second ejection', async () => {
    const clock = new ManualClock();
    const registry = new Registry();
    const metrics = policyMetrics(registry).forService('demo/catalog');
    const eps = endpoints(3);
    const bad = endpointKey(eps[0]!);
    const od = outlierDetector(view(), { clock, metrics });
    od.setEndpoints(eps.map(endpointKey));
    const backend: Handler = async (_req, ctx) => response(endpointKey(ctx.endpoint!) === bad ? 500 : 200);
    const h = balancer(eps, od)(outlierLayer(od)(backend));

    expect((await send(h, 15)).get(bad)).toBe(5);
    expect(od.isEjected(bad)).toBe(true);
    expect(od.ejectedCount()).toBe(1);
    expect((await send(h, 1000)).get(bad)).toBeUndefined();

    clock.advance(29_999);
    expect(od.isEjected(bad)).toBe(true);
    clock.advance(1);
    expect(od.isEjected(bad)).toBe(false);
    expect((await send(h, 15)).get(bad)).toBe(5); // failing again: ejected a second time
    const second = od.snapshot().find((s) => s.endpoint === bad);
    expect(second).toMatchObject({ ejected: true, timesEjected: 2, ejectedUntilMs: clock.now() + 60_000 });
    clock.advance(59_999);
    expect(od.isEjected(bad)).toBe(true);
    clock.advance(1);
    expect(od.isEjected(bad)).toBe(false);
    expect(await registry.metrics()).toContain('weft_outlier_ejections_total{service="demo/catalog"} 2');
    od.close();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('never ejects more than maxEjectionPercent of the endpoints', async () => {
    const clock = new ManualClock();
    const eps = endpoints(10);
    const od = outlierDetector(
      view({ consecutive5xx: 0, consecutiveGatewayErrors: 3, maxEjectionPercent: 20 }),
      {
        clock,
      },
    );
    od.setEndpoints(eps.map(endpointKey));
    const h = balancer(eps, od)(outlierLayer(od)(async () => response(503)));
    await send(h, 200);
    expect(od.ejectedCount()).toBe(2);
  });

  it.each<[number, number, number, boolean]>([
    [0, 10, 10, true], // 10 % of 10 → one
    [1, 10, 10, false],
    [2, 10, 30, true], // the third is exactly 30 %
    [3, 10, 30, false],
    [0, 2, 10, true], // 50 % > 10 %, but one endpoint may always go when there are two or more
    [1, 2, 10, false],
    [1, 2, 100, true],
    [0, 1, 100, false], // a lone endpoint is never ejected
    [0, 10, 0, false], // 0 % disables ejection
  ])('mayEject(ejected=%i, endpoints=%i, max=%i%%) = %s', (ejected, total, pct, want) => {
    expect(mayEject(ejected, total, pct)).toBe(want);
  });

  it('a success resets the consecutive count', () => {
    const od = outlierDetector(view({ intervalMs: 0 }), { clock: new ManualClock() });
    od.setEndpoints(['a', 'b']);
    const fail = (n: number): void => Array.from({ length: n }).forEach(() => od.record('a', '5xx'));
    fail(4);
    od.record('a', 'success');
    fail(4);
    expect(od.isEjected('a')).toBe(false);
    fail(1);
    expect(od.isEjected('a')).toBe(true);
  });

  it('counts gateway and local errors toward consecutiveGatewayErrors, plain 500s do not', () => {
    const od = outlierDetector(view({ consecutive5xx: 0, consecutiveGatewayErrors: 3, intervalMs: 0 }), {
      clock: new ManualClock(),
    });
    od.setEndpoints(['a', 'b', 'c']);
    for (const o of ['5xx', '5xx', '5xx', '5xx'] as TryOutcome[]) od.record('a', o);
    expect(od.isEjected('a')).toBe(false);
    for (const o of ['gateway-error', 'local-error', 'local-error'] as TryOutcome[]) od.record('b', o);
    expect(od.isEjected('b')).toBe(true);
  });

  it('the ejection multiplier decays by one per clean interval (interval sweep on the clock)', () => {
    const clock = new ManualClock();
    const od = outlierDetector(view({ consecutive5xx: 1 }), { clock });
    od.setEndpoints(['a', 'b']);
    od.record('a', '5xx');
    clock.advance(30_000); // re-admitted by the sweep at 30 s
    expect(od.snapshot()[0]).toMatchObject({ ejected: false, timesEjected: 1 });
    clock.advance(10_000); // one clean interval
    expect(od.snapshot()[0]).toMatchObject({ timesEjected: 0 });
    od.record('a', '5xx');
    expect(od.snapshot()[0]?.ejectedUntilMs).toBe(clock.now() + 30_000); // back to the base time
    od.close();
  });

  it('forgets endpoints that left the set', () => {
    const od = outlierDetector(view({ consecutive5xx: 1, intervalMs: 0 }), { clock: new ManualClock() });
    od.setEndpoints(['a', 'b']);
    od.record('a', '5xx');
    expect(od.ejectedCount()).toBe(1);
    od.setEndpoints(['b', 'c']);
    expect(od.ejectedCount()).toBe(0);
    expect(od.snapshot().map((s) => s.endpoint)).toEqual([]);
  });

  it.each([
    [{ kind: 'response', status: 200 }, 'success'],
    [{ kind: 'response', status: 404 }, 'success'],
    [{ kind: 'response', status: 500 }, '5xx'],
    [{ kind: 'response', status: 502 }, 'gateway-error'],
    [{ kind: 'response', status: 503 }, 'gateway-error'],
    [{ kind: 'response', status: 504 }, 'gateway-error'],
    [{ kind: 'error', code: 'CONNECT_FAILED' }, 'local-error'],
    [{ kind: 'error', code: 'UPSTREAM_RESET' }, 'local-error'],
    [{ kind: 'error', code: 'PER_TRY_TIMEOUT' }, 'local-error'],
    [{ kind: 'error', code: 'CIRCUIT_OPEN' }, undefined],
    [{ kind: 'error', code: 'REQUEST_TIMEOUT' }, undefined],
    [{ kind: 'error' }, undefined],
  ] as const)('tryOutcome(%j) = %s', (result, want) => {
    expect(tryOutcome(result)).toBe(want);
  });

  it('the layer records thrown errors against ctx.endpoint and rethrows them', async () => {
    const seen: [string, TryOutcome][] = [];
    const health = { record: (k: string, o: TryOutcome) => void seen.push([k, o]) };
    const ctx = callCtx({ endpoint: { address: '10.1.1.1', port: 9 } });
    const failing: Handler = async () => {
      throw new MeshError('CONNECT_FAILED', 'refused');
    };
    await rejection(outlierLayer(health)(failing)(request(), ctx));
    await outlierLayer(health)(async () => response(200))(request(), callCtx()); // no endpoint: nothing
    expect(seen).toEqual([['10.1.1.1:9', 'local-error']]);
  });
});

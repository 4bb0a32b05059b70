// The outbound handler with policies, rebuilt from snapshots as the runtime does: policy state
// (breaker counters, budgets, ejections, fault counts) survives unrelated config changes and
// restarts when the policy itself changes; route overrides and per-backend breakers apply.
import { describe, expect, it } from 'vitest';
import type { FaultView, PolicyRules, TrafficPolicyView } from '../../api/model/policy.ts';
import type { Endpoint, ProxySnapshot, ServiceView } from '../../api/model/snapshot.ts';
import { service, snapshot } from '../../test/helpers/mesh.ts';
import { flush } from '../layers/policy-testkit.ts';
import type { MeshResponse } from '../stack/types.ts';
import { hang, inProcessOutbound, reply, retryView, stubTransport } from './outbound-testkit.ts';

const ep = (port: number): Endpoint => ({ address: '10.0.0.1', port });

const svc = service;
const snap = (...services: ServiceView[]): ProxySnapshot => snapshot({ name: 'web' }, services);

const policy = (rules: PolicyRules, extra: Partial<TrafficPolicyView> = {}): TrafficPolicyView => ({
  name: 'demo/catalog',
  ...rules,
  ...extra,
});

const cb = (maxRequests: number) => ({
  maxConnections: 100,
  maxPendingRequests: 100,
  maxRequests,
  maxRetries: 3,
});

const retries = retryView;

/** An unrelated change: another service appears, so the snapshot and every handler are rebuilt. */
const churn = (n: number): ServiceView => svc(`other-${n}`, [ep(9000 + n)]);

/** A transport whose answers the test releases by hand. */
const gated = () => {
  const waiting: ((r: MeshResponse) => void)[] = [];
  const transport = stubTransport(() => new Promise((resolve) => waiting.push(resolve)));
  return { transport, release: () => waiting.splice(0).forEach((r) => r(reply(200))), waiting };
};

describe('outbound policy state across snapshots', () => {
  it('keeps breaker in-flight counters through config churn; a changed breaker starts fresh', async () => {
    const { transport, release } = gated();
    const o = inProcessOutbound(transport);
    const catalog = (max: number) => svc('catalog', [ep(1)], { policy: policy({ circuitBreaker: cb(max) }) });
    o.apply(snap(catalog(2)));
    const held = [o.call(), o.call()];
    await flush();
    expect(transport.total()).toBe(2);
    o.apply(snap(catalog(2), churn(1)));
    const third = await o.call();
    expect([third.status, third.headers['x-weft-error']]).toEqual([503, 'CIRCUIT_OPEN']);
    o.apply(snap(catalog(3), churn(1))); // the policy itself changed: a new breaker
    const fourth = o.call();
    await flush();
    expect(transport.total()).toBe(3);
    release();
    expect((await Promise.all([...held, fourth])).map((r) => r.status)).toEqual([200, 200, 200]);
  });

  it('keeps the retry budget through config churn', async () => {
    const transport = stubTransport(async () => reply(503));
    const o = inProcessOutbound(transport);
    // ratio 0, 1 per second over 10 s: 10 retries in the window, whatever the traffic.
    const catalog = svc('catalog', [ep(1), ep(2)], { policy: policy({ retries: retries() }) });
    o.apply(snap(catalog));
    for (let i = 0; i < 10; i++) await o.call();
    expect(transport.total()).toBe(20);
    for (let i = 0; i < 5; i++) {
      o.apply(snap(catalog, churn(i)));
      await o.call();
    }
    expect(transport.total()).toBe(25); // no retry: the budget was not refilled by the rebuilds
  });

  it('keeps ejections through config churn and follows the endpoint set', async () => {
    const transport = stubTransport(async (_req, e) => reply(e.port === 3 ? 500 : 200));
    const o = inProcessOutbound(transport);
    const od = {
      consecutive5xx: 2,
      consecutiveGatewayErrors: 2,
      intervalMs: 10_000,
      baseEjectionTimeMs: 30_000,
      maxEjectionPercent: 50,
    };
    const catalog = (eps: Endpoint[]) => svc('catalog', eps, { policy: policy({ outlierDetection: od }) });
    o.apply(snap(catalog([ep(1), ep(2), ep(3)])));
    while (transport.count('10.0.0.1:3') < 2) await o.call();
    for (let i = 0; i < 30; i++) {
      o.apply(snap(catalog([ep(1), ep(2), ep(3)]), churn(i)));
      expect((await o.call()).status).toBe(200);
    }
    expect(transport.count('10.0.0.1:3')).toBe(2);
    // Removed from the service and back: its state went with it, so it is admitted again.
    o.apply(snap(catalog([ep(1), ep(2)])));
    o.apply(snap(catalog([ep(1), ep(2), ep(3)])));
    for (let i = 0; i < 30; i++) await o.call();
    expect(transport.count('10.0.0.1:3')).toBeGreaterThan(2);
  });

  it('keeps fault counters through churn, reports them, and restarts them for an edited fault', async () => {
    const o = inProcessOutbound(stubTransport(async () => reply(200)));
    const fault = (percent: number): FaultView => ({
      name: 'demo/chaos',
      abort: { httpStatus: 503, percent },
      endsAtMs: o.clock.wallNow() + 5_000,
    });
    o.apply(snap(svc('catalog', [ep(1)], { faults: [fault(100)] })));
    for (let i = 0; i < 3; i++) await o.call();
    o.apply(snap(svc('catalog', [ep(1)], { faults: [fault(100)] }), churn(1)));
    for (let i = 0; i < 2; i++) expect((await o.call()).headers['x-weft-fault']).toBe('abort');
    expect(o.policies.faultReport()).toEqual({
      'demo/chaos': {
        service: 'demo/catalog',
        active: true,
        endsAt: new Date(o.clock.wallNow() + 5_000).toISOString(),
        delayed: 0,
        aborted: 5,
      },
    });
    o.apply(snap(svc('catalog', [ep(1)], { faults: [fault(50)] })));
    expect(o.policies.faultReport()['demo/chaos']?.aborted).toBe(0);
  });

  it('does not grow its state with config churn', () => {
    const o = inProcessOutbound(stubTransport(async () => reply(200)));
    const catalog = svc('catalog', [ep(1)], {
      policy: policy({ retries: retries(), circuitBreaker: cb(5) }),
      faults: [{ name: 'demo/f', delay: { fixedMs: 1, percent: 1 } }],
    });
    o.apply(snap(catalog));
    const size = o.policies.size();
    for (let i = 0; i < 50; i++) o.apply(snap(catalog, churn(i)));
    expect(o.policies.size()).toBe(size);
    o.apply(snap(churn(1)));
    expect(o.policies.size()).toBe(0);
  });
});

describe('outbound state follows the snapshot down as well as up', () => {
  it('drops the load stats of endpoints and the loggers of services that went away', async () => {
    const o = inProcessOutbound(stubTransport(async () => reply(200)));
    const od = {
      consecutive5xx: 5,
      consecutiveGatewayErrors: 5,
      intervalMs: 10_000,
      baseEjectionTimeMs: 30_000,
      maxEjectionPercent: 50,
    };
    const catalog = (eps: Endpoint[]) =>
      svc('catalog', eps, {
        policy: policy({ retries: retries(), outlierDetection: od }),
        faults: [{ name: 'demo/f', delay: { fixedMs: 1, percent: 0 } }],
      });
    const eps = [1, 2, 3, 4].map(ep);
    o.apply(snap(catalog(eps)));
    for (let i = 0; i < 40; i++) await o.call();
    expect(o.deps.load.size()).toBe(4);
    expect(o.policies.loggerCount()).toBe(3); // retry, fault and outlier loggers of demo/catalog
    o.apply(snap(catalog(eps.slice(0, 1))));
    expect(o.deps.load.size()).toBe(1);
    o.apply(snap(churn(1)));
    expect(o.deps.load.size()).toBe(0);
    expect(o.policies.loggerCount()).toBe(0);
  });

  it('keeps the load stats of an endpoint removed mid-request until that request ends', async () => {
    const { transport, release } = gated();
    const o = inProcessOutbound(transport);
    o.apply(snap(svc('catalog', [ep(1)])));
    const held = o.call();
    await flush();
    o.apply(snap(churn(1)));
    expect(o.deps.load.size()).toBe(1); // its finish() must not find a fresh entry at -1
    release();
    await held;
    expect(o.deps.load.size()).toBe(0);
  });
});

describe('outbound policy placement', () => {
  it('applies a route override only to matching requests', async () => {
    const transport = stubTransport(async () => reply(503));
    const o = inProcessOutbound(transport);
    const budget = { ratio: 1, minPerSecond: 100, windowMs: 10_000 };
    const routes = [
      { match: { pathRegex: '/flaky/.*' }, rules: { retries: retries({ attempts: 2, budget }) } },
    ];
    o.apply(snap(svc('catalog', [ep(1)], { policy: policy({}, { routes }) })));
    await o.call({ path: '/other' });
    expect(transport.total()).toBe(1);
    await o.call({ path: '/flaky/x' });
    expect(transport.total()).toBe(4);
  });

  it('gives each split backend its own breaker (the root service policy, per backend)', async () => {
    const transport = stubTransport(hang);
    const o = inProcessOutbound(transport);
    const split = {
      name: 'demo/catalog',
      backends: [
        { service: 'demo/v1', weight: 1 },
        { service: 'demo/v2', weight: 1 },
      ],
    };
    const root = svc('catalog', [], { split, policy: policy({ circuitBreaker: cb(1), timeoutMs: 1_000 }) });
    o.apply(snap(root, svc('v1', [ep(1)]), svc('v2', [ep(2)])));
    const calls = Array.from({ length: 10 }, () => o.call());
    await flush();
    expect([transport.count('10.0.0.1:1'), transport.count('10.0.0.1:2')]).toEqual([1, 1]);
    o.clock.advance(1_000);
    const codes = (await Promise.all(calls)).map((r) => r.headers['x-weft-error']);
    expect(codes.filter((c) => c === 'CIRCUIT_OPEN')).toHaveLength(8);
    expect(codes.filter((c) => c === 'REQUEST_TIMEOUT')).toHaveLength(2);
  });
});

// The /endpoints and /policies pages from the real load tracker and policy registry on a manual
// clock: latency estimates decay, outstanding requests count, an ejected endpoint shows until
// when (wall clock), circuit-breaker units in use show against their limits.
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ManualClock, seededRandom } from '../../api/runtime/clock.ts';
import { service, snapshot } from '../../test/helpers/mesh.ts';
import { loadTracker } from '../layers/balancer.ts';
import { policyRegistry } from '../outbound/policy-registry.ts';
import { endpointsReport, policiesReport } from './state-report.ts';

const A = { address: '10.0.0.1', port: 8080, workload: 'web-a' };
const B = { address: '10.0.0.2', port: 8080, workload: 'web-b' };

const setup = () => {
  const clock = new ManualClock();
  const load = loadTracker(clock);
  const policies = policyRegistry({
    clock,
    random: seededRandom(1),
    registry: new Registry(),
    logger: pino({ level: 'silent' }),
  });
  const snap = snapshot({ name: 'caller' }, [
    service('web', [A, B], {
      policy: {
        name: 'demo/web',
        circuitBreaker: { maxConnections: 9, maxPendingRequests: 9, maxRequests: 5, maxRetries: 2 },
      },
    }),
  ]);
  const live = () => ({
    load: load.report(),
    policies: policies.stateReport(),
    faults: policies.faultReport(),
    wallOffsetMs: clock.wallNow() - clock.now(),
  });
  return { clock, load, policies, snap, live };
};

describe('admin state pages', () => {
  it('show each endpoint with its decayed latency estimate, outstanding requests and ejection', () => {
    const { clock, load, policies, snap, live } = setup();
    load.start('10.0.0.1:8080');
    load.observe('10.0.0.1:8080', 40);
    load.start('10.0.0.1:8080');
    clock.advance(10_000); // one decay time constant: e^-1 of the estimate is left
    const build = policies.build();
    const detector = build.detector(
      'demo/web',
      {
        consecutive5xx: 1,
        consecutiveGatewayErrors: 5,
        intervalMs: 10_000,
        baseEjectionTimeMs: 30_000,
        maxEjectionPercent: 50,
      },
      ['10.0.0.1:8080', '10.0.0.2:8080'],
    );
    build.commit();
    detector.record('10.0.0.2:8080', '5xx');
    const [web] = endpointsReport(snap, live()).services;
    expect(web?.service).toBe('demo/web');
    const [a, b] = web?.endpoints ?? [];
    expect(a?.ewmaMs).toBeCloseTo(40 * Math.exp(-1), 6);
    expect([a?.outstanding, a?.ejected, a?.workload]).toEqual([2, false, 'web-a']);
    expect([b?.ewmaMs, b?.ejected, b?.timesEjected]).toEqual([null, true, 1]);
    expect(b?.ejectedUntil).toBe(new Date(clock.wallNow() + 30_000).toISOString());
  });

  it('show the policy in force with its circuit-breaker units in use', () => {
    const { policies, snap, live } = setup();
    const build = policies.build();
    const breaker = build.breaker('demo/web', {
      maxConnections: 9,
      maxPendingRequests: 9,
      maxRequests: 5,
      maxRetries: 2,
    });
    build.commit();
    const held = [breaker.requests.tryAcquire(), breaker.requests.tryAcquire(), breaker.retries.tryAcquire()];
    const [web] = policiesReport(snap, live()).services;
    expect(web?.policy?.name).toBe('demo/web');
    expect(web?.state.breaker?.requests).toEqual({ inUse: 2, max: 5 });
    expect(web?.state.breaker?.retries).toEqual({ inUse: 1, max: 2 });
    expect(held.every((l) => l !== undefined)).toBe(true);
  });
});

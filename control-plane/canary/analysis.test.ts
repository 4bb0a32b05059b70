import { describe, expect, it } from 'vitest';
import { analyse, type BackendFigures, type CanaryAnalysis } from './analysis.ts';

const fig = (requests: number, successRate: number | null, p99Ms: number | null): BackendFigures => ({
  requests,
  successRate,
  p99Ms,
});
const healthyStable = fig(100, 1, 20);
const base: CanaryAnalysis = { interval: 5_000, minRequests: 10, successRateFloor: 99 };

describe('analyse', () => {
  it.each<[string, CanaryAnalysis, BackendFigures, BackendFigures, string, RegExp | undefined]>([
    [
      'too few requests',
      base,
      fig(9, 0, 900),
      healthyStable,
      'inconclusive',
      /9 canary requests.*minRequests 10/,
    ],
    [
      'minRequests defaults to 1',
      { interval: 1000 },
      fig(0, null, null),
      healthyStable,
      'inconclusive',
      /fewer than minRequests 1/,
    ],
    ['success rate at the floor passes', base, fig(100, 0.99, 10), healthyStable, 'pass', undefined],
    [
      'success rate under the floor fails',
      base,
      fig(100, 0.7, 10),
      healthyStable,
      'fail',
      /70.0 % is below the floor of 99 %/,
    ],
    [
      'no floor: errors alone never fail',
      { interval: 1000 },
      fig(100, 0, 10),
      healthyStable,
      'pass',
      undefined,
    ],
    [
      'absolute p99 under the ceiling passes',
      { ...base, p99Ceiling: { max: 50 } },
      fig(100, 1, 50),
      healthyStable,
      'pass',
      undefined,
    ],
    [
      'absolute p99 over the ceiling fails',
      { ...base, p99Ceiling: { max: 50 } },
      fig(100, 1, 51),
      healthyStable,
      'fail',
      /above the ceiling of 50 ms/,
    ],
    [
      'relative p99 within the ratio passes',
      { ...base, p99Ceiling: { stableRatio: 2 } },
      fig(100, 1, 40),
      healthyStable,
      'pass',
      undefined,
    ],
    [
      'relative p99 over the ratio fails',
      { ...base, p99Ceiling: { stableRatio: 2 } },
      fig(100, 1, 41),
      healthyStable,
      'fail',
      /above 2 × the stable p99 of 20.0 ms/,
    ],
    [
      'relative p99 without stable traffic passes, saying so',
      { ...base, p99Ceiling: { stableRatio: 2 } },
      fig(100, 1, 400),
      fig(0, null, null),
      'pass',
      /p99 not compared/,
    ],
    [
      'relative p99 against a stable backend with too few requests passes, saying so',
      { ...base, p99Ceiling: { stableRatio: 2 } },
      fig(100, 1, 400),
      fig(3, 1, 1),
      'pass',
      /3 stable requests.*p99 not compared/,
    ],
  ])('%s', (_name, a, canary, stable, verdict, reason) => {
    const r = analyse(a, { canary, stable });
    expect(r.verdict).toBe(verdict);
    if (reason) expect(r.reasons.join('; ')).toMatch(reason);
    else expect(r.reasons).toEqual([]);
  });

  it('names every failed criterion at once', () => {
    const r = analyse(
      { ...base, p99Ceiling: { max: 10 } },
      { canary: fig(100, 0.5, 30), stable: healthyStable },
    );
    expect(r.verdict).toBe('fail');
    expect(r.reasons).toHaveLength(2);
  });
});

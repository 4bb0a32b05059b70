import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock, seededRandom } from '../../api/runtime/clock.ts';
import { backoffCeiling, backoffDelay, sleep } from './backoff.ts';
import { rejection } from './policy-testkit.ts';

describe('backoff', () => {
  it('stays within [0, min(max, base·2^n)) for any retry number and draw', () => {
    fc.assert(
      fc.property(
        fc.nat(60),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (retry, baseMs, maxMs, draw) => {
          const d = backoffDelay(retry, { baseMs, maxMs }, () => draw);
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThanOrEqual(Math.min(maxMs, baseMs * 2 ** retry));
        },
      ),
    );
  });

  it.each([
    [0, 25],
    [1, 50],
    [2, 100],
    [3, 200],
    [4, 250],
    [40, 250],
  ])('ceiling for retry %i is %i ms (base 25, max 250)', (retry, want) => {
    expect(backoffCeiling(retry, { baseMs: 25, maxMs: 250 })).toBe(want);
  });

  it('is fully jittered: draws spread over the whole range with mean ≈ ceiling/2', () => {
    const random = seededRandom(11);
    const n = 20_000;
    const draws = Array.from({ length: n }, () => backoffDelay(3, { baseMs: 25, maxMs: 1000 }, random));
    const mean = draws.reduce((a, b) => a + b, 0) / n;
    // Uniform on [0, 200): mean 99.5, σ(mean) = 57.7/√20000 ≈ 0.41 ms, so ±2 ms is ~5σ.
    expect(Math.abs(mean - 99.5)).toBeLessThan(2);
    expect(Math.min(...draws)).toBeLessThan(2);
    expect(Math.max(...draws)).toBeGreaterThan(197);
  });

  it('sleeps on the injected clock and stops early on abort', async () => {
    const clock = new ManualClock();
    let woke = false;
    const p = sleep(clock, 100).then(() => (woke = true));
    clock.advance(99);
    await Promise.resolve();
    expect(woke).toBe(false);
    clock.advance(1);
    await p;
    expect(woke).toBe(true);

    const ac = new AbortController();
    const q = sleep(clock, 100, ac.signal);
    ac.abort(new Error('gone'));
    expect(((await rejection(q)) as Error).message).toBe('gone');
    expect(clock.pendingTimers()).toBe(0);
  });
});

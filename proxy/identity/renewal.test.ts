import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../api/runtime/clock.ts';
import { backoffMs, DEFAULT_RENEWAL, renewAt } from './renewal.ts';

const H = 3_600_000;

describe('renewal schedule', () => {
  it.each([
    [0, 0.65],
    [0.5, 0.7],
    [1, 0.75],
  ])('random %s renews at %s of the remaining lifetime', (r, share) => {
    // ±1 ms: 0.7 - 0.05 is not exactly 0.65 in floating point.
    expect(Math.abs(renewAt(1000, 1000 + 24 * H, () => r) - (1000 + 24 * H * share))).toBeLessThanOrEqual(1);
  });

  it('spreads a fleet over the ±5 % window', () => {
    const rnd = seededRandom(1);
    const shares = Array.from({ length: 500 }, () => renewAt(0, 24 * H, rnd) / (24 * H));
    expect(Math.min(...shares)).toBeGreaterThanOrEqual(0.65);
    expect(Math.max(...shares)).toBeLessThanOrEqual(0.75);
    expect(Math.max(...shares) - Math.min(...shares)).toBeGreaterThan(0.09);
  });

  it('never schedules before receipt, even for an already expired certificate', () => {
    expect(renewAt(5000, 1000, () => 0.5)).toBe(5000);
  });

  it.each([
    [1, 500, 1000],
    [2, 1000, 2000],
    [3, 2000, 4000],
    [7, 30_000, 60_000],
    [20, 30_000, 60_000],
  ])('back-off after %i failures lies in [%i, %i] ms', (failures, lo, hi) => {
    expect(backoffMs(failures, () => 0)).toBe(lo);
    expect(backoffMs(failures, () => 0.999999)).toBeLessThanOrEqual(hi);
    expect(backoffMs(failures, () => 0.999999)).toBeGreaterThan(hi - 2);
    expect(DEFAULT_RENEWAL.backoffMaxMs).toBe(60_000);
  });
});

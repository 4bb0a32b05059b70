import { describe, expect, it } from 'vitest';
import { ManualClock, seededRandom } from './clock.ts';

describe('ManualClock', () => {
  it('fires timers in deadline order only when time passes them', () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b'), 20);
    const h = clock.setTimeout(() => fired.push('x'), 15);
    clock.setTimeout(() => fired.push('a'), 10);
    clock.clearTimeout(h);
    clock.advance(15);
    expect(fired).toEqual(['a']);
    clock.advance(5);
    expect(fired).toEqual(['a', 'b']);
    expect(clock.now()).toBe(20);
  });
});

describe('seededRandom', () => {
  it('is reproducible and roughly uniform', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 10_000 }, () => a());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    // uniform mean 0.5, sd of mean ≈ 0.0029; ±0.02 is ~7 sd
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
  });
});

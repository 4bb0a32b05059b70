import { describe, expect, it } from 'vitest';
import { percentile, subtract, summarize } from './percentiles.ts';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100

  it.each([
    [0.5, 50],
    [0.9, 90],
    [0.99, 99],
    [0.999, 100],
    [1, 100],
    [0, 1],
  ])('q=%s of 1..100 is %s', (q, want) => {
    expect(percentile(hundred, q)).toBe(want);
  });

  it('p99.9 needs 1000 samples to differ from the max', () => {
    const thousand = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(percentile(thousand, 0.999)).toBe(999);
    expect(percentile(thousand, 0.99)).toBe(990);
  });

  it('is NaN for no samples, the sample itself for one', () => {
    expect(percentile([], 0.5)).toBeNaN();
    expect(percentile([7], 0.999)).toBe(7);
  });
});

describe('summarize', () => {
  it('sorts numerically (not as strings) and reports the max', () => {
    const s = summarize([10, 9, 100, 2, 1]);
    expect(s).toEqual({ count: 5, p50: 9, p90: 100, p99: 100, p999: 100, max: 100 });
  });

  it('one slow request in 1000 shows at p99.9 and max, not p99', () => {
    const samples = [...Array.from({ length: 999 }, () => 1), 250];
    const s = summarize(samples);
    expect(s.p99).toBe(1);
    expect(s.p999).toBe(1);
    expect(s.max).toBe(250);
    const s2 = summarize([...samples.slice(0, 998), 250, 250]);
    expect(s2.p999).toBe(250);
  });

  it('subtract gives the added latency percentile by percentile', () => {
    const a = summarize([2, 3, 4]);
    const b = summarize([1, 1, 1]);
    expect(subtract(a, b)).toMatchObject({ p50: 2, p90: 3, max: 3 });
  });
});

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../api/runtime/clock.ts';
import { retryBudget } from './retry-budget.ts';

const withdrawals = (b: { tryWithdraw(): boolean }, max = 10_000): number => {
  let n = 0;
  while (n < max && b.tryWithdraw()) n++;
  return n;
};

describe('retry budget', () => {
  it('allows ratio × requests + minPerSecond × window seconds retries in a window', () => {
    const clock = new ManualClock();
    const b = retryBudget({ ratio: 0.2, minPerSecond: 2, windowMs: 10_000 }, clock);
    for (let i = 0; i < 100; i++) b.recordRequest();
    // 0.2 × 100 + 2 × 10 = 40
    expect(withdrawals(b)).toBe(40);
  });

  it('with no requests only the minPerSecond reserve is available', () => {
    const b = retryBudget({ ratio: 0.5, minPerSecond: 1, windowMs: 5_000 }, new ManualClock());
    expect(withdrawals(b)).toBe(5);
  });

  it('forgets requests and retries once they leave the window', () => {
    const clock = new ManualClock();
    const b = retryBudget({ ratio: 1, minPerSecond: 0, windowMs: 1_000 }, clock);
    for (let i = 0; i < 10; i++) b.recordRequest();
    expect(withdrawals(b)).toBe(10);
    clock.advance(500);
    expect(b.tryWithdraw()).toBe(false);
    clock.advance(600); // the first slot is now more than a window old
    expect(b.tryWithdraw()).toBe(false);
    b.recordRequest();
    expect(withdrawals(b)).toBe(1);
    clock.advance(60_000); // a long idle gap clears everything
    for (let i = 0; i < 3; i++) b.recordRequest();
    expect(withdrawals(b)).toBe(3);
  });
});

import { describe, expect, it } from 'vitest';
import { delayUntil, dueBy, firstMeasured, intendedAt, measuredRequests, totalRequests } from './schedule.ts';

describe('open-loop schedule', () => {
  const s = { rate: 1000, warmupMs: 500, durationMs: 2500 };

  it('spaces intended sends evenly at 1/rate', () => {
    expect(intendedAt(s, 0)).toBe(0);
    expect(intendedAt(s, 1)).toBe(1);
    expect(intendedAt({ ...s, rate: 2000 }, 3)).toBe(1.5);
    expect(intendedAt({ ...s, rate: 500 }, 3)).toBe(6);
  });

  it('counts requests: one per interval, warm-up ones not measured', () => {
    expect(totalRequests(s)).toBe(3000);
    expect(firstMeasured(s)).toBe(500);
    expect(measuredRequests(s)).toBe(2500);
    expect(totalRequests({ rate: 3, warmupMs: 0, durationMs: 1000 })).toBe(3);
    // 1/3 s intervals do not drift into an extra request through rounding
    expect(totalRequests({ rate: 3, warmupMs: 0, durationMs: 3000 })).toBe(9);
  });

  it('dueBy: request 0 is due at once, then one more per interval, capped at the total', () => {
    expect(dueBy(s, -1)).toBe(0);
    expect(dueBy(s, 0)).toBe(1);
    expect(dueBy(s, 0.99)).toBe(1);
    expect(dueBy(s, 1)).toBe(2);
    expect(dueBy(s, 10.5)).toBe(11);
    expect(dueBy(s, 1e9)).toBe(3000);
  });

  it('a generator that wakes late catches up at once (sends everything due), never skips', () => {
    // woke 7.3 ms late with 2 sent: requests 2..7 are all due now
    expect(dueBy(s, 7.3)).toBe(8);
    expect(delayUntil(s, 2, 7.3)).toBe(0);
  });

  it('delayUntil waits exactly to the next intended time', () => {
    expect(delayUntil({ ...s, rate: 500 }, 5, 7)).toBe(3);
    expect(delayUntil(s, 10, 10)).toBe(0);
  });
});

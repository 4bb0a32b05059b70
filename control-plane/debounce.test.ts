import { describe, expect, it } from 'vitest';
import { ManualClock } from '../api/runtime/clock.ts';
import { debounce } from './debounce.ts';

describe('debounce', () => {
  it('runs once after a quiet period, however many triggers came before', () => {
    const clock = new ManualClock();
    let runs = 0;
    const d = debounce(clock, 100, 1_000, () => runs++);
    for (let i = 0; i < 5; i++) {
      d.trigger();
      clock.advance(50);
    }
    expect(runs).toBe(0);
    clock.advance(50);
    expect(runs).toBe(1);
  });

  it('still runs within maxWait under a steady stream of triggers', () => {
    const clock = new ManualClock();
    let runs = 0;
    const d = debounce(clock, 100, 300, () => runs++);
    for (let i = 0; i < 10; i++) {
      d.trigger();
      clock.advance(60);
    }
    expect(runs).toBe(2); // at 300 ms and 600 ms
    d.cancel();
    clock.advance(1_000);
    expect(runs).toBe(2);
  });
});

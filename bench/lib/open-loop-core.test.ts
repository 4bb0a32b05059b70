import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OpenLoopCore, type OpenLoopResult, type Transport } from './open-loop-core.ts';

/** A transport with `cap` slots whose answers the test delivers by hand. */
class FakeTransport implements Transport {
  readonly inflight: number[] = [];
  readonly sent: { i: number; at: number }[] = [];
  closed = false;
  private readonly cap: number;
  constructor(cap: number) {
    this.cap = cap;
  }
  trySend(i: number): boolean {
    if (this.inflight.length >= this.cap) return false;
    this.inflight.push(i);
    this.sent.push({ i, at: performance.now() });
    return true;
  }
  opened(): number {
    return 1;
  }
  close(): void {
    this.closed = true;
  }
  take(): number {
    return this.inflight.shift() as number;
  }
}

describe('OpenLoopCore', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const start = (cap: number, drainMs = 50) => {
    const t = new FakeTransport(cap);
    const results: OpenLoopResult[] = [];
    const phases: string[] = [];
    const core = new OpenLoopCore(
      // 1 request per ms: 2 warm-up (0, 1 ms) and 8 measured (2..9 ms)
      { schedule: { rate: 1000, warmupMs: 2, durationMs: 8 }, drainMs, onPhase: (p) => phases.push(p) },
      (r) => results.push(r),
    );
    core.start(t);
    return { t, core, results, phases };
  };

  it('sends each request at its intended time and ends as soon as every answer is in', () => {
    const { t, core, results, phases } = start(100);
    vi.advanceTimersByTime(9);
    expect(t.sent.map((s) => s.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(t.sent.every((s) => s.at === s.i)).toBe(true);
    vi.advanceTimersByTime(1);
    while (t.inflight.length) core.complete(t.take(), 'ok');
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ measured: 8, ok: 8, timeouts: 0, errors: 0 });
    // request 2 was intended at 2 ms and answered at 10 ms
    expect(results[0]?.latencyMs.max).toBe(8);
    expect(phases).toEqual(['measure-start', 'measure-end']);
    expect(t.closed).toBe(true);
  });

  it('queues beyond the cap in order and counts the wait in latency (no coordinated omission)', () => {
    const { t, core, results } = start(1);
    vi.advanceTimersByTime(9); // only request 0 is in flight; 1..9 wait
    expect(t.sent.map((s) => s.i)).toEqual([0]);
    for (let k = 0; k < 10; k++) {
      vi.advanceTimersByTime(1);
      core.complete(t.take(), k % 2 ? 'non2xx' : 'ok');
    }
    expect(t.sent.map((s) => s.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // request 9, intended at 9 ms, answered at 19 ms: the stalled sender's delay is counted
    expect(results[0]?.latencyMs.max).toBe(10);
    expect(results[0]).toMatchObject({ measured: 8, ok: 4, non2xx: 4 });
  });

  it('stops after the drain: unanswered calls are timeouts, failed ones errors without latency', () => {
    const { t, core, results } = start(100, 50);
    vi.advanceTimersByTime(9);
    core.complete(t.take(), 'ok'); // warm-up, not counted
    core.complete(t.take(), 'ok'); // warm-up
    core.complete(t.take(), 'error');
    core.complete(t.take(), 'ok', performance.now() - 2); // answered 2 ms before it was reported
    vi.advanceTimersByTime(49);
    expect(results).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(results[0]).toMatchObject({ measured: 8, ok: 1, errors: 1, timeouts: 6 });
    expect(results[0]?.latencyMs).toMatchObject({ count: 1, max: 4 });
    core.complete(t.take(), 'ok'); // after the end: ignored
    expect(results).toHaveLength(1);
  });
});

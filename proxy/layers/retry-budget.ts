// Linkerd-style retry budget: over a sliding window, retries may add at most `ratio` of the
// original requests plus `minPerSecond` per second of window, so a dead backend sees bounded extra load.
import type { Clock } from '../../api/runtime/clock.ts';

export interface RetryBudgetView {
  readonly ratio: number;
  readonly minPerSecond: number;
  readonly windowMs: number;
}

export interface RetryBudget {
  /** Count an original request (the first try); retries never deposit. */
  recordRequest(): void;
  /** Take one retry if retries + 1 ≤ ratio × requests + minPerSecond × window seconds. */
  tryWithdraw(): boolean;
}

/** The window moves in tenths, so a request leaves the budget 0.9–1.0 windows after it was counted. */
const SLOTS = 10;

export const retryBudget = (view: RetryBudgetView, clock: Clock): RetryBudget => {
  const slotMs = Math.max(1, view.windowMs / SLOTS);
  const requests = new Float64Array(SLOTS);
  const retries = new Float64Array(SLOTS);
  const reserve = (view.minPerSecond * view.windowMs) / 1000;
  let current = Math.floor(clock.now() / slotMs);
  let totalRequests = 0;
  let totalRetries = 0;

  const rotate = (): number => {
    const slot = Math.floor(clock.now() / slotMs);
    // Clear every slot that fell out of the window since the last call (at most all of them).
    for (let s = current + 1; s <= slot && s <= current + SLOTS; s++) {
      const i = s % SLOTS;
      totalRequests -= requests[i] ?? 0;
      totalRetries -= retries[i] ?? 0;
      requests[i] = 0;
      retries[i] = 0;
    }
    current = Math.max(current, slot);
    return current % SLOTS;
  };

  return {
    recordRequest: () => {
      const i = rotate();
      requests[i] = (requests[i] ?? 0) + 1;
      totalRequests++;
    },
    tryWithdraw: () => {
      const i = rotate();
      if (totalRetries + 1 > view.ratio * totalRequests + reserve) return false;
      retries[i] = (retries[i] ?? 0) + 1;
      totalRetries++;
      return true;
    },
  };
};

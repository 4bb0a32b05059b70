// Retry back-off: exponential with FULL jitter (a uniform draw in [0, min(max, base·2^n))), which
// spreads synchronized retries best; the wait runs on the injected clock and stops on abort.
import type { Clock, Random, TimerHandle } from '../../api/runtime/clock.ts';

export interface BackoffView {
  readonly baseMs: number;
  readonly maxMs: number;
}

/** Upper bound of the wait before retry number `retry` (0 = before the first retry). */
export const backoffCeiling = (retry: number, view: BackoffView): number =>
  Math.max(0, Math.min(view.maxMs, view.baseMs * 2 ** Math.min(retry, 52)));

export const backoffDelay = (retry: number, view: BackoffView, random: Random): number =>
  Math.floor(random() * backoffCeiling(retry, view));

/** Resolves after ms on `clock`; rejects with the signal's reason if it aborts first. */
export const sleep = (clock: Clock, ms: number, signal?: AbortSignal): Promise<void> => {
  if (signal?.aborted) return Promise.reject(signal.reason as unknown);
  if (ms <= 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      reject(signal?.reason as unknown);
    };
    const timer: TimerHandle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
};

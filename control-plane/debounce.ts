// Trailing-edge debounce on the injected clock: bursts of events (an editor saving, many
// sidecars connecting) collapse into one run. maxWaitMs bounds the delay under a steady stream.
import type { Clock, TimerHandle } from '../api/runtime/clock.ts';

export interface Debouncer {
  trigger(): void;
  cancel(): void;
}

export const debounce = (clock: Clock, waitMs: number, maxWaitMs: number, fn: () => void): Debouncer => {
  let timer: TimerHandle | undefined;
  let firstAt = 0;
  const fire = (): void => {
    timer = undefined;
    fn();
  };
  return {
    trigger() {
      const now = clock.now();
      if (timer === undefined) firstAt = now;
      else clock.clearTimeout(timer);
      const delay = Math.max(0, Math.min(waitMs, firstAt + maxWaitMs - now));
      timer = clock.setTimeout(fire, delay);
      timer.unref?.();
    },
    cancel() {
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
    },
  };
};

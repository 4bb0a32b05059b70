// On a shared machine one direct run can land in someone else's burst and make every "added"
// figure look better than it is. The runner measures direct before and after the proxy rows;
// per rate the calmer run (lower p99) becomes the baseline, so added latency errs on the high side.
import type { OpenLoopResult } from './open-loop.ts';
import type { RowResult } from './types.ts';

export const calmer = (a: OpenLoopResult, b: OpenLoopResult): OpenLoopResult =>
  b.latencyMs.p99 < a.latencyMs.p99 ? b : a;

export const mergeDirect = (before: RowResult, after: RowResult): RowResult => {
  if (after.unavailable) return before;
  if (before.unavailable) return after;
  const rates: Record<string, OpenLoopResult> = { ...after.rates };
  for (const [rate, r] of Object.entries(before.rates)) {
    const other = after.rates[rate];
    rates[rate] = other ? calmer(r, other) : r;
  }
  // the higher throughput is the truer ceiling: noise only ever lowers it
  const closedLoop =
    (after.closedLoop?.rps ?? 0) > (before.closedLoop?.rps ?? 0) ? after.closedLoop : before.closedLoop;
  return { ...before, rates, ...(closedLoop ? { closedLoop } : {}) };
};

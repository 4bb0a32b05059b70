// When to renew and how long to wait after a failed attempt: pure functions of time and a random
// draw, so ManualClock tests can pin the schedule exactly.
import type { Random } from '../../api/runtime/clock.ts';

export interface RenewalPolicy {
  /** Renew after this share of the remaining lifetime has passed (default 0.7). */
  readonly fraction: number;
  /** ± share of the lifetime added at random so a fleet does not renew in lock step (default 0.05). */
  readonly jitter: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
}

export const DEFAULT_RENEWAL: RenewalPolicy = {
  fraction: 0.7,
  jitter: 0.05,
  backoffBaseMs: 1000,
  backoffMaxMs: 60_000,
};

/** Wall-clock ms at which to renew a certificate received at `receivedAtMs`. */
export const renewAt = (
  receivedAtMs: number,
  notAfterMs: number,
  random: Random,
  p = DEFAULT_RENEWAL,
): number => {
  const lifetime = Math.max(0, notAfterMs - receivedAtMs);
  const share = p.fraction + p.jitter * (2 * random() - 1);
  return receivedAtMs + Math.floor(lifetime * share);
};

/**
 * Delay before retry number `failures` (1 = after the first failure): exponential from the base,
 * capped, then drawn from the upper half so retries spread out but never collapse to zero.
 */
export const backoffMs = (failures: number, random: Random, p = DEFAULT_RENEWAL): number => {
  const cap = Math.min(p.backoffMaxMs, p.backoffBaseMs * 2 ** Math.max(0, failures - 1));
  return Math.floor(cap / 2 + (cap / 2) * random());
};

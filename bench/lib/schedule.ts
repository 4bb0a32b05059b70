// Open-loop schedule math: request i is INTENDED to leave at start + i / rate, whatever happened
// to earlier requests. Latency is measured from that instant, so a stalled proxy cannot hide its
// stall by slowing the sender down (no coordinated omission).

export interface Schedule {
  /** Requests per second. */
  readonly rate: number;
  /** Warm-up before measuring, ms; requests intended in it are sent but not recorded. */
  readonly warmupMs: number;
  /** Measured window, ms. */
  readonly durationMs: number;
}

export const intervalMs = (rate: number): number => 1000 / rate;

/** Intended send time of request i, relative to the schedule's start. */
export const intendedAt = (s: Schedule, i: number): number => i * intervalMs(s.rate);

/** Total requests the schedule sends (warm-up included): one per interval, end exclusive. */
export const totalRequests = (s: Schedule): number =>
  Math.ceil(((s.warmupMs + s.durationMs) * s.rate) / 1000 - 1e-9);

/** Requests that fall in the measured window. */
export const measuredRequests = (s: Schedule): number => totalRequests(s) - firstMeasured(s);

/** Index of the first request intended at or after the warm-up ends. */
export const firstMeasured = (s: Schedule): number => Math.ceil((s.warmupMs * s.rate) / 1000 - 1e-9);

/** How many requests are due by `elapsedMs` after the start (capped at the total). */
export const dueBy = (s: Schedule, elapsedMs: number): number => {
  if (elapsedMs < 0) return 0;
  return Math.min(totalRequests(s), Math.floor((elapsedMs * s.rate) / 1000 + 1e-9) + 1);
};

/** Milliseconds from `elapsedMs` until request `next` is due (0 when already late). */
export const delayUntil = (s: Schedule, next: number, elapsedMs: number): number =>
  Math.max(0, intendedAt(s, next) - elapsedMs);

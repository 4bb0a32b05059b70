// A coarse clock for connection housekeeping: one timer per process advances a counter every
// second, so connections stamp "idle since" with a field write instead of a timer or Date.now()
// per request, and one sweep per second closes what has been idle too long.
const TICK_MS = 1000;

type Sweep = (tick: number) => void;

let tick = 0;
let timer: NodeJS.Timeout | undefined;
const sweeps = new Set<Sweep>();

export const nowTick = (): number => tick;

/** Ticks in `ms` (at least one). */
export const ticksOf = (ms: number): number => Math.max(1, Math.ceil(ms / TICK_MS));

/** Runs `sweep` once per tick until the returned function is called. */
export const onTick = (sweep: Sweep): (() => void) => {
  sweeps.add(sweep);
  if (!timer) {
    timer = setInterval(() => {
      tick++;
      for (const s of sweeps) s(tick);
    }, TICK_MS);
    timer.unref();
  }
  return () => {
    sweeps.delete(sweep);
    if (sweeps.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
};

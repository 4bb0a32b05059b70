// Start-up grace (local mode). There, endpoints come only from connected sidecars, so a freshly
// (re)started control plane knows none until the sidecars reconnect, spread over their reconnect
// back-off (at most 10 s). A sidecar that reconnects first with a snapshot it already runs would
// otherwise be pushed one without the endpoints of the servers still on their way, and answer
// 503 NO_ENDPOINTS until they arrive. During the grace such resumed sidecars keep what they run;
// they are released together when every Service has an endpoint again, or when the grace ends.
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../../api/runtime/clock.ts';
import type { MeshModel } from '../index/model.ts';

/** The default: longer than the sidecars' maximum reconnect back-off (10 s), with margin. */
export const DEFAULT_STARTUP_GRACE_MS = 12_000;

export interface StartupGrace {
  /** True until the grace has ended (never true when it was 0). */
  readonly active: boolean;
  /** Ends the grace now (idempotent): `onEnd` runs once. */
  end(reason: string): void;
  /** Stops the timer without running `onEnd` (shutdown). */
  cancel(): void;
}

export interface StartupGraceOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Length of the grace from now; 0 = none. */
  readonly ms: number;
  /** Runs once when the grace ends, by timer or by `end`. */
  readonly onEnd: () => void;
}

export const startupGrace = (opts: StartupGraceOptions): StartupGrace => {
  const log = opts.logger.child({ component: 'control-plane.startup-grace' });
  let active = opts.ms > 0;
  let timer: TimerHandle | undefined;
  const stop = (): void => {
    active = false;
    if (timer !== undefined) opts.clock.clearTimeout(timer);
    timer = undefined;
  };
  const grace: StartupGrace = {
    get active() {
      return active;
    },
    end(reason) {
      if (!active) return;
      stop();
      log.info({ reason }, 'start-up grace ended; pushing to resumed sidecars');
      opts.onEnd();
    },
    cancel: stop,
  };
  if (active) {
    timer = opts.clock.setTimeout(() => grace.end(`${opts.ms} ms elapsed`), opts.ms);
    timer.unref?.();
  }
  return grace;
};

/** Every Service has at least one endpoint: the sidecars that serve them are back. */
export const everyServiceServed = (model: MeshModel): boolean => {
  for (const s of model.services.values()) if (s.endpoints.length === 0) return false;
  return true;
};

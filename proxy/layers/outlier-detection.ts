// Outlier detection (the balancer's EndpointHealth): consecutive 5xx / gateway errors eject an
// endpoint for baseEjectionTime × times ejected; it is re-admitted when that time has passed.
import type { OutlierDetectionView } from '../../api/model/policy.ts';
import type { TimerHandle } from '../../api/runtime/clock.ts';
import { endpointKey, type EndpointHealth, type TryOutcome } from '../stack/endpoint-health.ts';
import { isMeshError, type MeshErrorCode } from '../stack/errors.ts';
import type { Layer, MeshResponse } from '../stack/types.ts';
import type { PolicyDeps } from './policy-deps.ts';

/** Envoy's default max_ejection_time: growth of the ejection time stops here (or at base, if larger). */
export const MAX_EJECTION_TIME_MS = 300_000;

export interface EndpointOutlierState {
  readonly endpoint: string;
  readonly ejected: boolean;
  readonly ejectedUntilMs?: number;
  readonly timesEjected: number;
  readonly consecutive5xx: number;
  readonly consecutiveGatewayErrors: number;
}

export interface OutlierDetector extends EndpointHealth {
  ejectedCount(): number;
  snapshot(): readonly EndpointOutlierState[];
  /** The current endpoint set: the base of maxEjectionPercent; state of removed endpoints is dropped. */
  setEndpoints(keys: readonly string[]): void;
  /** Re-admits due endpoints and decays ejection multipliers; also runs every intervalMs. */
  sweep(): void;
  /** Stops the interval sweep. */
  close(): void;
}

interface State {
  c5xx: number;
  cGateway: number;
  times: number;
  until: number | undefined;
  /** Since when the endpoint has been admitted without a failure (multiplier decay). */
  cleanSince: number;
}

/**
 * Ejection rule (Envoy's, plus its always_eject_one_host): eject when
 * 100 × (ejected + 1) / endpoints ≤ maxEjectionPercent, or when nothing is ejected yet,
 * maxEjectionPercent > 0 and there are at least two endpoints. A lone endpoint is never ejected.
 */
export const mayEject = (ejected: number, endpoints: number, maxEjectionPercent: number): boolean =>
  endpoints >= 2 &&
  maxEjectionPercent > 0 &&
  ((100 * (ejected + 1)) / endpoints <= maxEjectionPercent || ejected === 0);

export const outlierDetector = (
  view: OutlierDetectionView,
  deps: Omit<PolicyDeps, 'random'>,
): OutlierDetector => {
  const { clock } = deps;
  const states = new Map<string, State>();
  let endpointCount: number | undefined;

  const stateOf = (key: string): State => {
    let s = states.get(key);
    if (!s)
      states.set(key, (s = { c5xx: 0, cGateway: 0, times: 0, until: undefined, cleanSince: clock.now() }));
    return s;
  };
  const ejectedNow = (s: State): boolean => {
    if (s.until === undefined) return false;
    if (clock.now() < s.until) return true;
    s.cleanSince = s.until;
    s.until = undefined;
    s.c5xx = s.cGateway = 0;
    return false;
  };
  const ejectedCount = (): number => [...states.values()].filter(ejectedNow).length;

  const eject = (key: string, s: State): void => {
    if (!mayEject(ejectedCount(), endpointCount ?? states.size, view.maxEjectionPercent)) return;
    s.times++;
    const ms = Math.min(
      view.baseEjectionTimeMs * s.times,
      Math.max(MAX_EJECTION_TIME_MS, view.baseEjectionTimeMs),
    );
    s.until = clock.now() + ms;
    s.c5xx = s.cGateway = 0;
    deps.metrics?.outlierEjected();
    deps.logger?.info({ endpoint: key, ejectionMs: ms, timesEjected: s.times }, 'endpoint ejected');
  };

  const record = (key: string, outcome: TryOutcome): void => {
    const s = stateOf(key);
    if (outcome === 'success') {
      s.c5xx = s.cGateway = 0;
      return;
    }
    s.cleanSince = clock.now();
    s.c5xx++;
    // Local errors (connect failure, reset, per-try timeout) count as gateway errors, as in Envoy.
    if (outcome !== '5xx') s.cGateway++;
    if (ejectedNow(s)) return; // a late try finishing after the ejection
    const over5xx = view.consecutive5xx > 0 && s.c5xx >= view.consecutive5xx;
    const overGateway = view.consecutiveGatewayErrors > 0 && s.cGateway >= view.consecutiveGatewayErrors;
    if (over5xx || overGateway) eject(key, s);
  };

  const sweep = (): void => {
    const now = clock.now();
    for (const s of states.values()) {
      if (ejectedNow(s) || s.times === 0 || now - s.cleanSince < view.intervalMs) continue;
      s.times--;
      s.cleanSince = now;
    }
  };

  let timer: TimerHandle | undefined;
  const arm = (): void => {
    timer = clock.setTimeout(() => {
      sweep();
      arm();
    }, view.intervalMs);
    timer.unref?.();
  };
  if (view.intervalMs > 0) arm();

  return {
    isEjected: (key) => {
      const s = states.get(key);
      return s !== undefined && ejectedNow(s);
    },
    record,
    ejectedCount,
    sweep,
    setEndpoints: (keys) => {
      const keep = new Set(keys);
      for (const k of states.keys()) if (!keep.has(k)) states.delete(k);
      endpointCount = keep.size;
    },
    snapshot: () =>
      [...states.entries()].map(([endpoint, s]) => ({
        endpoint,
        ejected: ejectedNow(s),
        ...(s.until === undefined ? {} : { ejectedUntilMs: s.until }),
        timesEjected: s.times,
        consecutive5xx: s.c5xx,
        consecutiveGatewayErrors: s.cGateway,
      })),
    close: () => {
      if (timer) clock.clearTimeout(timer);
      timer = undefined;
    },
  };
};

const LOCAL_ERRORS = new Set<MeshErrorCode>([
  'CONNECT_FAILED',
  'UPSTREAM_RESET',
  'REFUSED_STREAM',
  'PER_TRY_TIMEOUT',
]);

/** What one try says about its endpoint; undefined when it says nothing (breaker, caller gone). */
export const tryOutcome = (
  result:
    | { readonly kind: 'response'; readonly status: number }
    | { readonly kind: 'error'; readonly code?: string },
): TryOutcome | undefined => {
  if (result.kind === 'error')
    return LOCAL_ERRORS.has(result.code as MeshErrorCode) ? 'local-error' : undefined;
  if (result.status === 502 || result.status === 503 || result.status === 504) return 'gateway-error';
  return result.status >= 500 ? '5xx' : 'success';
};

/** Sits right under the balancer: records each try's outcome against ctx.endpoint. */
export const outlierLayer =
  (health: Pick<EndpointHealth, 'record'>): Layer =>
  (next) =>
  async (req, ctx) => {
    const key = ctx.endpoint ? endpointKey(ctx.endpoint) : undefined;
    if (!key) return next(req, ctx);
    let res: MeshResponse;
    try {
      res = await next(req, ctx);
    } catch (e) {
      const outcome = tryOutcome({ kind: 'error', code: isMeshError(e) ? e.code : undefined });
      if (outcome) health.record(key, outcome);
      throw e;
    }
    health.record(key, tryOutcome({ kind: 'response', status: res.status }) ?? 'success');
    return res;
  };

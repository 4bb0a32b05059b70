// Endpoint choice: power of two choices over a peak-EWMA of response latency, penalised by the
// requests still outstanding on each endpoint. Skips ejected endpoints (unless all are) and
// prefers endpoints this request has not tried yet. Load state outlives snapshots.
import type { Endpoint } from '../../api/model/snapshot.ts';
import type { Clock, Random } from '../../api/runtime/clock.ts';
import { endpointKey, type EndpointHealth } from '../stack/endpoint-health.ts';
import { MeshError } from '../stack/errors.ts';
import type { CallCtx, Layer } from '../stack/types.ts';
import { whenBodyDone } from './body-done.ts';

/** Latency assumed when neither endpoint of a P2C pair has been measured yet. */
const UNMEASURED_RTT_MS = 10;
/**
 * Estimates count as at least this in the cost, so requests outstanding still weigh when a clock
 * measures an answer as 0 ms or an estimate has decayed to nearly nothing.
 */
const MIN_COST_RTT_MS = 0.1;
/** A failed try counts as at least this slow, so fast failures do not attract traffic. */
const FAILURE_PENALTY_MS = 1_000;
/** Decay time constant: older samples weigh e^(-Δt/τ). */
const DECAY_MS = 10_000;

interface Load {
  /** Peak-EWMA as of stampMs; undefined until the first answer (or failure). */
  ewmaMs: number | undefined;
  stampMs: number;
  outstanding: number;
  /** Gone from the snapshot: dropped as soon as nothing is outstanding on it. */
  retired: boolean;
}

export interface LoadTracker {
  /**
   * Latency estimate, decayed toward zero for the time since its last sample (as Finagle's and
   * tower's peak EWMA do), so an endpoint that stopped getting traffic is probed again;
   * undefined while the endpoint has never answered.
   */
  estimate(key: string): number | undefined;
  outstanding(key: string): number;
  start(key: string): void;
  observe(key: string, rttMs: number): void;
  finish(key: string): void;
  /** Drops the state of every endpoint not in `keys` (at once, or when its last request ends). */
  retain(keys: ReadonlySet<string>): void;
  /** Endpoints with state (for tests). */
  size(): number;
  /** Decayed estimate and requests outstanding per endpoint key (the admin /endpoints page). */
  report(): ReadonlyMap<string, { readonly ewmaMs: number | undefined; readonly outstanding: number }>;
}

export const loadTracker = (clock: Clock): LoadTracker => {
  const loads = new Map<string, Load>();
  const get = (key: string): Load => {
    let l = loads.get(key);
    if (!l) {
      l = { ewmaMs: undefined, stampMs: clock.now(), outstanding: 0, retired: false };
      loads.set(key, l);
    }
    return l;
  };
  const decayed = (l: Load, now: number): number | undefined =>
    l.ewmaMs === undefined ? undefined : l.ewmaMs * Math.exp(-Math.max(0, now - l.stampMs) / DECAY_MS);
  return {
    estimate: (key) => {
      const l = loads.get(key);
      return l && decayed(l, clock.now());
    },
    outstanding: (key) => loads.get(key)?.outstanding ?? 0,
    start: (key) => void get(key).outstanding++,
    finish: (key) => {
      const l = loads.get(key);
      if (!l) return;
      l.outstanding--;
      if (l.retired && l.outstanding <= 0) loads.delete(key);
    },
    observe: (key, rttMs) => {
      const l = get(key);
      const now = clock.now();
      const current = decayed(l, now);
      // Peak-EWMA: a slower sample takes over at once; faster ones pull the average down slowly.
      const w = Math.exp(-Math.max(0, now - l.stampMs) / DECAY_MS);
      l.ewmaMs = current === undefined || rttMs > current ? rttMs : current + rttMs * (1 - w);
      l.stampMs = now;
    },
    retain: (keys) => {
      for (const [key, l] of loads) {
        l.retired = !keys.has(key);
        if (l.retired && l.outstanding <= 0) loads.delete(key);
      }
    },
    size: () => loads.size,
    report: () => {
      const now = clock.now();
      return new Map(
        [...loads].map(([k, l]) => [k, { ewmaMs: decayed(l, now), outstanding: l.outstanding }]),
      );
    },
  };
};

export interface BalancerDeps {
  readonly clock: Clock;
  readonly random: Random;
  readonly load: LoadTracker;
  readonly health?: EndpointHealth;
}

/** Healthy and untried endpoints when there are some; otherwise widen rather than fail. */
export const candidates = (
  all: readonly Endpoint[],
  ctx: Pick<CallCtx, 'tried'>,
  health?: EndpointHealth,
): readonly Endpoint[] => {
  let pool = all;
  if (health) {
    const healthy = all.filter((e) => !health.isEjected(endpointKey(e)));
    if (healthy.length > 0) pool = healthy;
  }
  if (ctx.tried.size > 0) {
    const fresh = pool.filter((e) => !ctx.tried.has(endpointKey(e)));
    if (fresh.length > 0) pool = fresh;
  }
  return pool;
};

export const pickP2C = (
  pool: readonly Endpoint[],
  load: LoadTracker,
  random: Random,
): Endpoint | undefined => {
  if (pool.length <= 1) return pool[0];
  const i = Math.floor(random() * pool.length);
  let j = Math.floor(random() * (pool.length - 1));
  if (j >= i) j++;
  const a = pool[i] as Endpoint;
  const b = pool[j] as Endpoint;
  const ka = endpointKey(a);
  const kb = endpointKey(b);
  const ea = load.estimate(ka);
  const eb = load.estimate(kb);
  // An endpoint that never answered competes on its rival's estimate (and on requests outstanding),
  // not on a fixed guess that a fast network would never beat.
  const neutral = ea ?? eb ?? UNMEASURED_RTT_MS;
  const costA = Math.max(MIN_COST_RTT_MS, ea ?? neutral) * (load.outstanding(ka) + 1);
  const costB = Math.max(MIN_COST_RTT_MS, eb ?? neutral) * (load.outstanding(kb) + 1);
  return costB < costA ? b : a;
};

export const balancerLayer =
  (deps: BalancerDeps): Layer =>
  (next) =>
  async (req, ctx) => {
    const target = ctx.backend ?? ctx.service;
    // A connection to a pod IP asked for that pod (a StatefulSet member), not for any endpoint.
    const endpoint =
      ctx.destination?.endpoint ??
      pickP2C(candidates(target.endpoints, ctx, deps.health), deps.load, deps.random);
    if (!endpoint)
      throw new MeshError('NO_ENDPOINTS', `service ${target.namespace}/${target.name} has no endpoints`);
    const key = endpointKey(endpoint);
    ctx.endpoint = endpoint;
    ctx.tried.add(key);
    deps.load.start(key);
    const started = deps.clock.now();
    try {
      const res = await next(req, ctx);
      deps.load.observe(key, deps.clock.now() - started);
      whenBodyDone(res, () => deps.load.finish(key));
      return res;
    } catch (err) {
      deps.load.observe(key, Math.max(FAILURE_PENALTY_MS, deps.clock.now() - started));
      deps.load.finish(key);
      throw err;
    }
  };

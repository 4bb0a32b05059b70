// SMI TrafficSplit: picks the backend service for each request by weight (injected random),
// weight 0 = never chosen. With `matches`, only matching requests are split; others stay on the
// root service. Sets ctx.backend for the balancer and the metrics.
import type { RouteMatch, ServiceView } from '../../api/model/snapshot.ts';
import type { Random } from '../../api/runtime/clock.ts';
import { MeshError } from '../stack/errors.ts';
import type { Layer } from '../stack/types.ts';
import { note } from './policy-deps.ts';
import { matchesRoute } from './route-match.ts';

export interface WeightedBackend {
  readonly service: ServiceView;
  readonly weight: number;
}

export interface SplitParams {
  readonly name: string;
  /** Backends resolved to their views by the stack builder; unknown services are left out there. */
  readonly backends: readonly WeightedBackend[];
  readonly matches?: readonly RouteMatch[];
}

/** Index of the backend a uniform draw r ∈ [0, 1) lands on; -1 when every weight is 0. */
export const pickWeighted = (weights: readonly number[], r: number): number => {
  const total = weights.reduce((a, w) => a + Math.max(0, w), 0);
  if (total <= 0) return -1;
  let x = r * total;
  for (let i = 0; i < weights.length; i++) {
    const w = Math.max(0, weights[i] as number);
    if (x < w) return i;
    x -= w;
  }
  // r * total rounded up to total: land on the last backend that has weight.
  return weights.findLastIndex((w) => w > 0);
};

export const splitLayer = (split: SplitParams, deps: { readonly random: Random }): Layer => {
  const weights = split.backends.map((b) => b.weight);
  const matches = split.matches && split.matches.length > 0 ? split.matches : undefined;
  return (next) => (req, ctx) => {
    if (matches && !matches.some((m) => matchesRoute(m, req))) {
      ctx.backend = ctx.service;
      return next(req, ctx);
    }
    const i = pickWeighted(weights, deps.random());
    const chosen = split.backends[i];
    if (!chosen)
      return Promise.reject(
        new MeshError('NO_ENDPOINTS', `every backend of TrafficSplit ${split.name} has weight 0`),
      );
    ctx.backend = chosen.service;
    note(req, ctx, `split:${chosen.service.namespace}/${chosen.service.name}`);
    return next(req, ctx);
  };
};

// Cross-object checks on requests matched: FaultInjections that never end, TrafficPolicy routes
// that an earlier route always takes first, and HTTPRouteGroup matches written twice.
import type { RouteMatch } from '../../api/model/snapshot.ts';
import { normaliseMatch } from '../../api/schema/route-match.ts';
import { resourcesOf, type Check } from './context.ts';
import type { Finding } from './finding.ts';

export const faultsWithoutEnd: Check = (ctx) =>
  resourcesOf(ctx, 'FaultInjection')
    .filter((f) => f.resource.spec.duration === undefined)
    .map((f) => ({
      check: 'fault-without-end',
      severity: 'warning',
      source: f.origin,
      object: `FaultInjection ${f.resource.meta.namespace}/${f.resource.meta.name}`,
      field: 'spec.duration',
      message: `has no duration: the fault stays on Service ${f.resource.meta.namespace}/${f.resource.spec.targetRef.name} until someone deletes it`,
      fix: 'add spec.duration (e.g. 5m) so the experiment ends by itself',
    }));

/**
 * `first` takes every request `later` would: no path rule or the same one, every method of
 * `later` (or any), and only header rules `later` has too. Sound, not complete: two different
 * regular expressions are never called overlapping.
 */
export const covers = (first: RouteMatch, later: RouteMatch): boolean => {
  if (first.pathRegex !== undefined && first.pathRegex !== later.pathRegex) return false;
  if (first.methods && !(later.methods ?? ['*']).every((m) => first.methods?.includes(m))) return false;
  return Object.entries(first.headers ?? {}).every(([k, v]) => later.headers?.[k] === v);
};

const sameMatch = (a: RouteMatch, b: RouteMatch): boolean => covers(a, b) && covers(b, a);

export const shadowedPolicyRoutes: Check = (ctx) =>
  resourcesOf(ctx, 'TrafficPolicy').flatMap((p) => {
    const routes = (p.resource.spec.routes ?? []).map((r) => normaliseMatch(r.match));
    return routes.flatMap((later, j): Finding[] => {
      const i = routes.findIndex((first, k) => k < j && covers(first, later));
      if (i < 0) return [];
      return [
        {
          check: 'overlapping-routes',
          severity: 'warning',
          source: p.origin,
          object: `TrafficPolicy ${p.resource.meta.namespace}/${p.resource.meta.name}`,
          field: `spec.routes[${j}].match`,
          message: `is never used: spec.routes[${i}] comes first and matches every request this route matches`,
          fix: `move spec.routes[${j}] before spec.routes[${i}], narrow spec.routes[${i}].match, or remove one`,
        },
      ];
    });
  });

export const duplicateGroupMatches: Check = (ctx) =>
  resourcesOf(ctx, 'HTTPRouteGroup').flatMap((g) => {
    const matches = g.resource.spec.matches;
    return matches.flatMap((later, j): Finding[] => {
      const i = matches.findIndex((first, k) => k < j && sameMatch(first, later));
      if (i < 0) return [];
      return [
        {
          check: 'overlapping-routes',
          severity: 'warning',
          source: g.origin,
          object: `HTTPRouteGroup ${g.resource.meta.namespace}/${g.resource.meta.name}`,
          field: `spec.matches[${j}]`,
          message: `match ${later.name} matches exactly the requests of match ${matches[i]?.name ?? i}`,
          fix: 'remove one of the two and refer to the other',
        },
      ];
    });
  });

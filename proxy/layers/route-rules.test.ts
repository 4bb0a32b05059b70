import { describe, expect, it } from 'vitest';
import type { RetryPolicyView, TrafficPolicyView } from '../../api/model/policy.ts';
import type { RouteMatch } from '../../api/model/snapshot.ts';
import { request } from './policy-testkit.ts';
import { compileRouteMatch, mergeRules, selectRules } from './route-rules.ts';

const retries = (attempts: number): RetryPolicyView => ({
  attempts,
  retryOn: ['5xx'],
  backoff: { baseMs: 25, maxMs: 250 },
  budget: { ratio: 0.2, minPerSecond: 10, windowMs: 10_000 },
  maxReplayBytes: 65_536,
  retryNonIdempotent: false,
});

const view: TrafficPolicyView = {
  name: 'demo/catalog',
  timeoutMs: 15_000,
  retries: retries(3),
  routes: [
    {
      match: { name: 'checkout', pathRegex: '/checkout(/.*)?', methods: ['POST'] },
      rules: { timeoutMs: 2000 },
    },
    { match: { name: 'reports', pathRegex: '/reports/.*' }, rules: { retries: retries(1) } },
  ],
};

describe('route rules', () => {
  it.each<[string, RouteMatch, Parameters<typeof request>[0], boolean]>([
    ['empty match matches all', {}, {}, true],
    ['path full match', { pathRegex: '/items' }, { path: '/items' }, true],
    ['path ignores the query', { pathRegex: '/items' }, { path: '/items?page=2' }, true],
    ['path is anchored', { pathRegex: '/items' }, { path: '/items/1' }, false],
    ['method listed', { methods: ['GET', 'HEAD'] }, { method: 'HEAD' }, true],
    ['method case-insensitive', { methods: ['get'] }, { method: 'GET' }, true],
    ['method not listed', { methods: ['GET'] }, { method: 'DELETE' }, false],
    ['method wildcard', { methods: ['*'] }, { method: 'PATCH' }, true],
    ['header regex', { headers: { 'x-user': 'beta-.*' } }, { headers: { 'x-user': 'beta-7' } }, true],
    ['header of several values', { headers: { 'x-user': 'b' } }, { headers: { 'x-user': ['a', 'b'] } }, true],
    ['header missing', { headers: { 'x-user': '.*' } }, { headers: {} }, false],
    ['bad regex matches nothing', { pathRegex: '(' }, { path: '(' }, false],
    ['all fields must match', { pathRegex: '/a', methods: ['GET'] }, { path: '/a', method: 'POST' }, false],
  ])('%s', (_name, match, req, want) => {
    expect(compileRouteMatch(match)(request(req))).toBe(want);
  });

  it('returns the service-wide rules when no route matches, the same object each time', () => {
    const a = selectRules(view, request({ path: '/items' }));
    expect(a).toEqual({ timeoutMs: 15_000, retries: retries(3) });
    expect(selectRules(view, request({ path: '/other' }))).toBe(a);
  });

  it('merges the first matching route over the service-wide rules', () => {
    expect(selectRules(view, request({ path: '/checkout/pay', method: 'POST' }))).toEqual({
      timeoutMs: 2000,
      retries: retries(3),
    });
    expect(selectRules(view, request({ path: '/checkout', method: 'GET' }))).toEqual({
      timeoutMs: 15_000,
      retries: retries(3),
    });
    expect(selectRules(view, request({ path: '/reports/q1' })).retries?.attempts).toBe(1);
  });

  it('mergeRules keeps base fields the override leaves out', () => {
    expect(mergeRules({ timeoutMs: 1, retries: retries(2) }, { timeoutMs: 5 })).toEqual({
      timeoutMs: 5,
      retries: retries(2),
    });
  });
});

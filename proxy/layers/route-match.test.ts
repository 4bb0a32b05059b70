import { describe, expect, it } from 'vitest';
import type { RouteMatch } from '../../api/model/snapshot.ts';
import { isMeshError } from '../stack/errors.ts';
import { callCtx, request, response, testService } from './policy-testkit.ts';
import { buildRouteIndex, matchesRoute, routeMatchLayer, splitAuthority, UNRESOLVED } from './route-match.ts';

const other = { ...testService, name: 'other', hosts: ['other', 'other.demo'], ports: [] };
const services = {
  'demo/catalog': { ...testService, hosts: ['catalog', 'catalog.demo'] },
  'demo/other': other,
};

describe('splitAuthority', () => {
  it.each([
    ['catalog', { host: 'catalog' }],
    ['Catalog.Demo:8080', { host: 'catalog.demo', port: 8080 }],
    ['[::1]:80', { host: '[::1]', port: 80 }],
    ['[::1]', { host: '[::1]' }],
    ['catalog:', { host: 'catalog' }],
  ])('%s', (authority, expected) => expect(splitAuthority(authority)).toEqual(expected));
});

describe('route index', () => {
  const index = buildRouteIndex(services);
  it('resolves any of a service’s hosts, ignoring case and an unknown port', () => {
    expect(index.resolve('CATALOG.demo')?.service.name).toBe('catalog');
    expect(index.resolve('catalog:9999')).toEqual({ service: services['demo/catalog'], port: undefined });
    expect(index.resolve('other')?.service).toBe(other);
    expect(index.resolve('missing')).toBeUndefined();
  });
  it('lets the port select the ServicePort', () => {
    expect(index.resolve('catalog:80')?.port?.targetPort).toBe(8080);
  });
});

describe('routeMatchLayer', () => {
  const layer = routeMatchLayer(buildRouteIndex(services));
  it('sets ctx.service and calls on', async () => {
    const ctx = callCtx({ service: UNRESOLVED });
    const res = await layer(async (_r, c) => response(c.service === other ? 200 : 500))(
      request({ authority: 'other.demo' }),
      ctx,
    );
    expect(res.status).toBe(200);
  });
  it('throws NO_ROUTE for an unknown authority', async () => {
    const e = await layer(async () => response(200))(request({ authority: 'ghost' }), callCtx()).catch(
      (x) => x,
    );
    expect(isMeshError(e) && e.code).toBe('NO_ROUTE');
  });
});

describe('matchesRoute', () => {
  const m: RouteMatch = {
    pathRegex: '/items/[0-9]+',
    methods: ['GET', 'head'],
    headers: { 'x-canary': 'yes|1' },
  };
  it.each([
    [{ path: '/items/12', method: 'GET', headers: { 'x-canary': '1' } }, true],
    [{ path: '/items/12?x=1', method: 'HEAD', headers: { 'x-canary': 'yes' } }, true],
    [{ path: '/items/12/more', method: 'GET', headers: { 'x-canary': '1' } }, false],
    [{ path: '/items/12', method: 'POST', headers: { 'x-canary': '1' } }, false],
    [{ path: '/items/12', method: 'GET', headers: {} }, false],
    [{ path: '/items/12', method: 'GET', headers: { 'x-canary': 'no' } }, false],
  ])('%o → %s', (req, expected) => expect(matchesRoute(m, request(req))).toBe(expected));
  it('an empty match matches everything', () => expect(matchesRoute({}, request())).toBe(true));
});

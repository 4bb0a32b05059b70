import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import type { HttpFilterView, HttpRouteTableView, HttpRuleView } from '../../api/model/http-route.ts';
import type { Endpoint, ServiceView } from '../../api/model/snapshot.ts';
import { hang, inProcessOutbound, reply, retryView, stubTransport } from '../outbound/outbound-testkit.ts';
import { snapshot } from '../../test/helpers/mesh.ts';
import type { MeshRequest } from '../stack/types.ts';
import { editHeaders, redirectResponse, rewritePath } from './http-route-filters.ts';
import { prefixMatches } from './http-route-match.ts';

const ep = (port: number): Endpoint => ({ address: '10.0.0.1', port, workload: `pod-${port}` });
const svc = (name: string, port: number, extra: Partial<ServiceView> = {}): ServiceView => ({
  name,
  namespace: 'demo',
  hosts: [name],
  ports: [
    { port: 80, targetPort: 8080, protocol: 'http' },
    { port: 8080, targetPort: 8080, protocol: 'http' },
  ],
  endpoints: [ep(port)],
  ...extra,
});
const rule = (over: Partial<HttpRuleView> = {}): HttpRuleView => ({
  route: 'demo/r',
  backends: [{ service: 'demo/v1', weight: 1 }],
  ...over,
});
const prefix = (value: string) => ({ path: { type: 'PathPrefix' as const, value } });

/** The transport answers 200 naming the endpoint port and echoing what it received. */
const echo = () =>
  stubTransport((req, endpoint) =>
    Promise.resolve(
      reply(200, {
        'x-port': String(endpoint.port),
        'x-path': req.path,
        'x-authority': req.authority,
        'x-seen': JSON.stringify(req.headers),
      }),
    ),
  );

const mesh = (table: HttpRouteTableView, transport = echo()) => {
  const t = inProcessOutbound(transport);
  const services = [
    svc('echo', 1000, { httpRoutes: table }),
    svc('v1', 1001),
    svc('v2', 1002),
    svc('m', 1003),
  ];
  t.apply(snapshot({ name: 'client' }, services));
  return {
    ...t,
    transport,
    get: (path: string, over: Partial<MeshRequest> = {}) => t.call({ authority: 'echo', path, ...over }),
  };
};

const table = (
  rules: HttpRuleView[],
  matches: HttpRouteTableView['matches'],
  over: Partial<HttpRouteTableView> = {},
) => ({
  rules,
  matches,
  allPorts: true,
  ...over,
});

describe('HTTPRoute matching in the sidecar', () => {
  it('matches prefixes by whole segments', () => {
    expect(['/v2', '/v2/', '/v2/x'].every((p) => prefixMatches('/v2', p))).toBe(true);
    expect(['/v2example', '/foo/v2'].some((p) => prefixMatches('/v2', p))).toBe(false);
    expect(prefixMatches('/', '/anything')).toBe(true);
  });

  it('takes the first match in table order; a routed port with no match answers 404', async () => {
    const m = mesh(
      table(
        [rule({ backends: [{ service: 'demo/v2', weight: 1 }] }), rule()],
        [
          {
            match: {
              ...prefix('/'),
              queryParams: [{ name: 'animal', type: 'Exact', value: 'whale' }],
              headers: [{ name: 'version', type: 'Exact', value: 'one' }],
            },
            rule: 0,
          },
          {
            match: { ...prefix('/'), queryParams: [{ name: 'animal', type: 'Exact', value: 'whale' }] },
            rule: 1,
          },
        ],
      ),
    );
    expect((await m.get('/?animal=whale')).headers['x-port']).toBe('1001');
    expect((await m.get('/?animal=whale', { headers: { version: 'one' } })).headers['x-port']).toBe('1002');
    const none = await m.get('/?animal=whaledolphin');
    expect(none.status).toBe(404);
    expect(none.headers['x-weft-error']).toBe('ROUTE_NO_MATCH');
  });

  it('leaves a port no route attached to on the Service default routing', async () => {
    const m = mesh(
      table([rule()], [{ match: prefix('/'), rule: 0, ports: [80] }], { allPorts: false, ports: [80] }),
    );
    expect((await m.get('/', { authority: 'echo:80' })).headers['x-port']).toBe('1001');
    expect((await m.get('/', { authority: 'echo:8080' })).headers['x-port']).toBe('1000');
  });
});

describe('HTTPRoute ports', () => {
  it("takes a request without a port to a one-port Service's port", async () => {
    const t = inProcessOutbound(echo());
    const grpcOnly = svc('echo', 1000, {
      ports: [{ port: 9000, targetPort: 9000, protocol: 'http' }],
      httpRoutes: table([rule()], [{ match: prefix('/'), rule: 0, ports: [9000] }], {
        allPorts: false,
        ports: [9000],
      }),
    });
    t.apply(snapshot({ name: 'client' }, [grpcOnly, svc('v1', 1001)]));
    expect((await t.call({ authority: 'echo', path: '/' })).headers['x-port']).toBe('1001');
  });
});

describe('HTTPRoute backends', () => {
  it('answers 500 when every weight is 0, and for the share of an unresolved backendRef', async () => {
    const zero = mesh(
      table([rule({ backends: [{ service: 'demo/v1', weight: 0 }] })], [{ match: prefix('/'), rule: 0 }]),
    );
    const r = await zero.get('/');
    expect([r.status, r.headers['x-weft-error']]).toEqual([500, 'ROUTE_BACKEND_INVALID']);
    const half = mesh(
      table(
        [rule({ backends: [{ service: 'demo/v1', weight: 1 }, { weight: 1 }] })],
        [{ match: prefix('/'), rule: 0 }],
      ),
    );
    const statuses = [];
    for (let i = 0; i < 200; i++) statuses.push((await half.get('/')).status);
    const failed = statuses.filter((s) => s === 500).length;
    // Seeded draw, binomial(200, 0.5): 100 ± 30 is beyond 4 standard deviations.
    expect(failed).toBeGreaterThan(70);
    expect(failed).toBeLessThan(130);
    expect(statuses.every((s) => s === 200 || s === 500)).toBe(true);
  });

  it('never sends to a weight-0 backend', async () => {
    const m = mesh(
      table(
        [
          rule({
            backends: [
              { service: 'demo/v1', weight: 1 },
              { service: 'demo/v2', weight: 0 },
            ],
          }),
        ],
        [{ match: prefix('/'), rule: 0 }],
      ),
    );
    for (let i = 0; i < 50; i++) await m.get('/');
    expect(m.transport.count('10.0.0.1:1002')).toBe(0);
    expect(m.transport.count('10.0.0.1:1001')).toBe(50);
  });
});

describe('HTTPRoute filters', () => {
  it('sets, appends and removes request headers without regard to case', () => {
    const edited = editHeaders(
      { 'x-header-set': 'old', 'x-header-add': 'original', 'x-header-remove': 'gone', keep: 'v' },
      {
        set: [{ name: 'X-Header-Set', value: 'new' }],
        add: [{ name: 'X-Header-Add', value: 'more' }],
        remove: ['x-header-remove'],
      },
    );
    expect(edited).toEqual({ 'x-header-set': 'new', 'x-header-add': ['original', 'more'], keep: 'v' });
  });

  it('rewrites a matched prefix by segments and a full path, keeping the query', () => {
    expect(
      rewritePath(
        '/prefix/one/two?q=1',
        { type: 'ReplacePrefixMatch', value: '/one' },
        prefix('/prefix/one'),
      ),
    ).toBe('/one/two?q=1');
    expect(
      rewritePath('/strip-prefix/three', { type: 'ReplacePrefixMatch', value: '/' }, prefix('/strip-prefix')),
    ).toBe('/three');
    expect(
      rewritePath('/strip-prefix', { type: 'ReplacePrefixMatch', value: '/' }, prefix('/strip-prefix')),
    ).toBe('/');
    expect(
      rewritePath('/full/one/two', { type: 'ReplaceFullPath', value: '/one' }, prefix('/full/one')),
    ).toBe('/one');
  });

  const redirect = (f: Partial<Extract<HttpFilterView, { type: 'RequestRedirect' }>>, path = '/p') =>
    redirectResponse(
      { protocol: 'http1', method: 'GET', authority: 'echo', path, headers: {}, body: null },
      { type: 'RequestRedirect', statusCode: 302, ...f },
      prefix(path),
      80,
    );

  it.each([
    [{}, 'http://echo/p'],
    [{ hostname: 'example.org', statusCode: 301 }, 'http://example.org/p'],
    [{ port: 8083 }, 'http://echo:8083/p'],
    [{ scheme: 'https' }, 'https://echo/p'],
    [{ scheme: 'https', port: 443 }, 'https://echo/p'],
    [{ scheme: 'http', port: 8443, hostname: 'example.org' }, 'http://example.org:8443/p'],
    [{ path: { type: 'ReplaceFullPath' as const, value: '/full' } }, 'http://echo/full'],
  ])('redirect %j → Location %s', (f, location) => {
    expect(redirect(f).headers.location).toBe(location);
  });

  it('applies rule and backendRef filters in the stack, and edits the response', async () => {
    const m = mesh(
      table(
        [
          rule({
            filters: [
              {
                type: 'URLRewrite',
                hostname: 'rewritten',
                path: { type: 'ReplacePrefixMatch', value: '/new' },
              },
              { type: 'ResponseHeaderModifier', edit: { set: [{ name: 'X-Header-Set', value: 'set' }] } },
            ],
            backends: [
              {
                service: 'demo/v1',
                weight: 1,
                filters: [{ type: 'RequestHeaderModifier', edit: { add: [{ name: 'x-b', value: '2' }] } }],
              },
            ],
          }),
        ],
        [{ match: prefix('/old'), rule: 0 }],
      ),
    );
    const r = await m.get('/old/x', { headers: { 'x-b': '1' } });
    expect(r.headers['x-path']).toBe('/new/x');
    expect(r.headers['x-authority']).toBe('rewritten');
    expect(JSON.parse(r.headers['x-seen'] as string)['x-b']).toEqual(['1', '2']);
    expect(r.headers['x-header-set']).toBe('set');
  });

  it('mirrors a bodiless request to the mirror backend and answers from the real one', async () => {
    const m = mesh(
      table(
        [rule({ filters: [{ type: 'RequestMirror', service: 'demo/m' }] })],
        [{ match: prefix('/'), rule: 0 }],
      ),
    );
    const r = await m.get('/');
    expect(r.headers['x-port']).toBe('1001');
    await new Promise((resolve) => setImmediate(resolve));
    expect(m.transport.count('10.0.0.1:1003')).toBe(1);
  });

  it('mirrors a request body too, and the real backend still gets the whole body', async () => {
    const bodies = new Map<number, string>();
    const transport = stubTransport(async (req, endpoint) => {
      bodies.set(endpoint.port, req.body ? await text(req.body) : '');
      return reply(200, { 'x-port': String(endpoint.port) });
    });
    const m = mesh(
      table(
        [rule({ filters: [{ type: 'RequestMirror', service: 'demo/m' }] })],
        [{ match: prefix('/'), rule: 0 }],
      ),
      transport,
    );
    const r = await m.get('/', {
      method: 'POST',
      body: Readable.from([Buffer.from('hello '), Buffer.from('mirror')]),
    });
    expect(r.headers['x-port']).toBe('1001');
    // The mirror is fire and forget: wait (bounded) for it to land.
    for (let i = 0; i < 200 && !bodies.has(1003); i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(bodies.get(1001)).toBe('hello mirror');
    expect(bodies.get(1003)).toBe('hello mirror');
  });

  it('answers 500 for a rule holding a filter weft cannot apply', async () => {
    const m = mesh(
      table(
        [rule({ filters: [{ type: 'Unsupported', reason: 'spec.rules[0].filters[0].type: CORS' }] })],
        [{ match: prefix('/'), rule: 0 }],
      ),
    );
    expect((await m.get('/')).status).toBe(500);
    expect(m.transport.total()).toBe(0);
  });
});

describe('HTTPRoute timeouts and retries', () => {
  it('ends a request at the rule timeout with 504', async () => {
    const m = mesh(
      table([rule({ requestTimeoutMs: 100 })], [{ match: prefix('/'), rule: 0 }]),
      stubTransport(hang),
    );
    const r = await m.driven({ authority: 'echo', path: '/' }, 10);
    expect([r.status, r.headers['x-weft-error']]).toEqual([504, 'REQUEST_TIMEOUT']);
  });

  it('retries the codes the rule names, once per attempt', async () => {
    let n = 0;
    const transport = stubTransport(() => Promise.resolve(reply(n++ === 0 ? 503 : 200)));
    const m = mesh(
      table(
        [
          rule({
            retries: retryView({
              attempts: 1,
              retryOn: ['retriable-status-codes'],
              retriableStatusCodes: [503],
            }),
          }),
        ],
        [{ match: prefix('/'), rule: 0 }],
      ),
      transport,
    );
    expect((await m.get('/')).status).toBe(200);
    expect(transport.total()).toBe(2);
  });
});

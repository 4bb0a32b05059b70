import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { AuthzView } from '../../api/model/authz.ts';
import { compose, type CallCtx, type MeshRequest, type MeshResponse } from '../stack/types.ts';
import { errorResponseLayer } from './error-response.ts';
import { authorize, authzLayer, type AuthzDecision, type AuthzRequest } from './authz.ts';

const view: AuthzView = {
  rules: [
    {
      name: 'demo/api',
      sources: ['demo/payments', 'demo/website'],
      routes: [{ name: 'api', pathRegex: '/api/.*', methods: ['*'] }],
    },
    { name: 'demo/db', sources: ['demo/batch'], ports: [5432] },
    {
      name: 'demo/ios',
      sources: ['demo/mobile'],
      routes: [{ name: 'ios', headers: { 'user-agent': '.*iPhone.*' } }],
      ports: [8080],
    },
    {
      name: 'demo/metrics',
      sources: ['monitoring/prometheus'],
      routes: [{ name: 'metrics', pathRegex: '/metrics', methods: ['GET'] }],
    },
  ],
};

const req = (method: string, path: string, extra: Partial<AuthzRequest> = {}): AuthzRequest => ({
  method,
  path,
  headers: {},
  ...extra,
});
const allow = (rule: string): AuthzDecision => ({ allowed: true, rule });
const deny = (reason: string): AuthzDecision => ({ allowed: false, reason }) as AuthzDecision;

describe('authorize', () => {
  it.each<[string, AuthzView | undefined, string | undefined, AuthzRequest, AuthzDecision]>([
    ['no policy: any mesh caller', undefined, 'demo/anyone', req('DELETE', '/x'), { allowed: true }],
    ['no policy: even without identity', undefined, undefined, req('GET', '/'), { allowed: true }],
    ['policy, caller without identity', view, undefined, req('GET', '/metrics'), deny('no-identity')],
    [
      'listed source on its route',
      view,
      'monitoring/prometheus',
      req('GET', '/metrics'),
      allow('demo/metrics'),
    ],
    [
      'listed source, wrong method',
      view,
      'monitoring/prometheus',
      req('POST', '/metrics'),
      deny('route-not-allowed'),
    ],
    [
      'listed source, other route',
      view,
      'monitoring/prometheus',
      req('GET', '/api/orders'),
      deny('route-not-allowed'),
    ],
    [
      'path regex must match the whole path',
      view,
      'monitoring/prometheus',
      req('GET', '/metricsX'),
      deny('route-not-allowed'),
    ],
    [
      'query string is not part of the path',
      view,
      'demo/website',
      req('GET', '/api/orders?id=1'),
      allow('demo/api'),
    ],
    ['methods ["*"] admits any method', view, 'demo/payments', req('PATCH', '/api/x'), allow('demo/api')],
    [
      'a source of another rule only',
      view,
      'demo/website',
      req('GET', '/metrics'),
      deny('route-not-allowed'),
    ],
    ['unlisted source', view, 'demo/other', req('GET', '/api/x'), deny('source-not-allowed')],
    ['same name, other namespace', view, 'other/website', req('GET', '/api/x'), deny('source-not-allowed')],
    [
      'SPIFFE ID of a listed source',
      view,
      'spiffe://cluster.local/ns/demo/sa/website',
      req('GET', '/api/x'),
      allow('demo/api'),
    ],
    [
      'malformed SPIFFE ID',
      view,
      'spiffe://cluster.local/demo/website',
      req('GET', '/api/x'),
      deny('source-not-allowed'),
    ],
    [
      'L4 rule on its port: any request',
      view,
      'demo/batch',
      req('POST', '/anything', { port: 5432 }),
      allow('demo/db'),
    ],
    [
      'L4 rule on another port',
      view,
      'demo/batch',
      req('GET', '/', { port: 8080 }),
      deny('port-not-allowed'),
    ],
    ['L4 rule with unknown port', view, 'demo/batch', req('GET', '/'), deny('port-not-allowed')],
    [
      'header rule matching',
      view,
      'demo/mobile',
      req('GET', '/', { port: 8080, headers: { 'user-agent': 'Mozilla (iPhone)' } }),
      allow('demo/ios'),
    ],
    [
      'header rule, header absent',
      view,
      'demo/mobile',
      req('GET', '/', { port: 8080 }),
      deny('route-not-allowed'),
    ],
    [
      'header rule, right header wrong port',
      view,
      'demo/mobile',
      req('GET', '/', { port: 9090, headers: { 'user-agent': 'iPhone' } }),
      deny('port-not-allowed'),
    ],
    [
      'policy selecting with no rules denies all',
      { rules: [] },
      'demo/website',
      req('GET', '/'),
      deny('source-not-allowed'),
    ],
    [
      'rule whose routes all failed to resolve',
      { rules: [{ name: 'demo/x', sources: ['demo/a'], routes: [] }] },
      'demo/a',
      req('GET', '/'),
      deny('route-not-allowed'),
    ],
  ])('%s', (_name, v, source, request, expected) => {
    expect(authorize(v, source, request)).toEqual(expected);
  });
});

describe('authzLayer', () => {
  const ctx = (source?: string): CallCtx =>
    ({
      tried: new Set(),
      attempt: 0,
      signal: new AbortController().signal,
      notes: [],
      ...(source ? { sourceServiceAccount: source } : {}),
    }) as unknown as CallCtx;
  const meshReq = (path: string, headers: Record<string, string> = {}): MeshRequest => ({
    protocol: 'http1',
    method: 'GET',
    authority: 'web',
    path,
    headers,
    body: null,
  });
  const ok: MeshResponse = { status: 200, headers: {}, body: null };
  // As in the inbound stack: error-response answers the denial authz throws.
  const handler = compose(errorResponseLayer(), authzLayer(view, { port: 80 }))(async () => ok);
  const text = async (r: MeshResponse): Promise<string> => {
    let s = '';
    for await (const c of r.body as Readable) s += String(c);
    return s;
  };

  it('passes allowed requests to the next handler', async () => {
    expect(await handler(meshReq('/api/x'), ctx('demo/website'))).toBe(ok);
  });

  it('answers 403 with the reason header and notes the decision', async () => {
    const c = ctx('demo/other');
    const res = await handler(meshReq('/api/x'), c);
    expect(res.status).toBe(403);
    expect(res.headers['x-weft-authz']).toBe('source-not-allowed');
    expect(res.headers['x-weft-error']).toBe('FORBIDDEN');
    expect(await text(res)).toBe('FORBIDDEN: source-not-allowed\n');
    expect(c.notes).toEqual(['authz:source-not-allowed']);
  });

  it('answers gRPC callers with grpc-status PERMISSION_DENIED', async () => {
    const res = await handler(meshReq('/pkg.Svc/Call', { 'content-type': 'application/grpc' }), ctx());
    expect(res).toMatchObject({
      status: 200,
      body: null,
      headers: { 'grpc-status': '7', 'x-weft-authz': 'no-identity', 'x-weft-error': 'FORBIDDEN' },
    });
  });

  it('checks the stack port against L4 rules', async () => {
    const on5432 = compose(errorResponseLayer(), authzLayer(view, { port: 5432 }))(async () => ok);
    expect(await on5432(meshReq('/'), ctx('demo/batch'))).toBe(ok);
    expect((await handler(meshReq('/'), ctx('demo/batch'))).headers['x-weft-authz']).toBe('port-not-allowed');
  });
});

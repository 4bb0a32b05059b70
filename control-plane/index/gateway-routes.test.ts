import { describe, expect, it } from 'vitest';
import type { HttpMatchView } from '../../api/model/http-route.ts';
import { parseFile } from '../sources/dir/parse-file.ts';
import { snapshotFor } from '../snapshot/snapshot-for.ts';
import { buildModel } from './build-model.ts';
import { compareMatches } from './gateway-matches.ts';

const svc = (name: string, ns = 'mesh') =>
  `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: ${ns}}\nspec: {ports: [{name: http, port: 80, targetPort: 8080}, {name: alt, port: 8080}]}\n---\n`;
const route = (name: string, ns: string, spec: string, extraMeta = '') =>
  `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: ${name}, namespace: ${ns}${extraMeta}}\nspec: ${spec}\n---\n`;
const BASE = svc('echo') + svc('echo-v1') + svc('echo-v2');

const build = (yaml: string) => {
  const parsed = parseFile('cfg/routes.yaml', yaml, { defaultNamespace: 'default' });
  expect(parsed.issues).toEqual([]);
  return buildModel(parsed.resources, {
    clusterDomain: 'cluster.local',
    localEndpoints: [],
    firstSeen: () => 0,
  });
};

const viewFrom = (model: ReturnType<typeof build>['model'], ns: string) =>
  snapshotFor(
    model,
    { name: 'client', namespace: ns, serviceAccount: 'client' },
    { trustDomain: 'cluster.local' },
  );

describe('Gateway API attachment (GAMMA)', () => {
  it('attaches a producer route to its Service for every client namespace', () => {
    const { model, issues } = build(
      BASE +
        route(
          'r',
          'mesh',
          '{parentRefs: [{group: "", kind: Service, name: echo, port: 80}], rules: [{backendRefs: [{name: echo-v1, port: 8080}]}]}',
        ),
    );
    expect(issues).toEqual([]);
    const table = model.services.get('mesh/echo')?.httpRoutes;
    expect(table?.ports).toEqual([80]);
    expect(table?.rules[0]?.backends).toEqual([{ service: 'mesh/echo-v1', port: 8080, weight: 1 }]);
    expect(viewFrom(model, 'other').services['mesh/echo']?.httpRoutes).toEqual(table);
  });

  it('gives a consumer route only to clients of its namespace, where it replaces the producer routes', () => {
    const { model, issues } = build(
      BASE +
        route(
          'producer',
          'mesh',
          '{parentRefs: [{group: "", kind: Service, name: echo-v1}], rules: [{backendRefs: [{name: echo-v2}]}]}',
        ) +
        route(
          'consumer',
          'shop',
          '{parentRefs: [{group: "", kind: Service, name: echo-v1, namespace: mesh}], rules: [{backendRefs: [{name: echo-v1, namespace: mesh, port: 80}]}]}',
        ),
    );
    expect(issues).toEqual([]);
    const shop = viewFrom(model, 'shop').services['mesh/echo-v1']?.httpRoutes;
    const mesh = viewFrom(model, 'mesh').services['mesh/echo-v1']?.httpRoutes;
    expect(shop?.rules.map((r) => r.route)).toEqual(['shop/consumer']);
    expect(mesh?.rules.map((r) => r.route)).toEqual(['mesh/producer']);
    expect(viewFrom(model, 'elsewhere').services['mesh/echo-v1']?.httpRoutes?.rules[0]?.route).toBe(
      'mesh/producer',
    );
  });

  it('ignores routes whose parents are Gateways, without an issue or a status', () => {
    const { model, issues } = build(
      BASE +
        route(
          'ingress',
          'mesh',
          '{parentRefs: [{name: my-gateway}], rules: [{backendRefs: [{name: echo-v1}]}]}',
        ),
    );
    expect(issues).toEqual([]);
    expect(model.routeStatus).toBeUndefined();
    expect([...model.services.values()].some((s) => s.httpRoutes)).toBe(false);
  });

  it('reports a parent Service that does not exist (Accepted False, NoMatchingParent) and serves the rest', () => {
    const { model, issues } = build(
      BASE +
        route(
          'r',
          'mesh',
          '{parentRefs: [{group: "", kind: Service, name: ghost}, {group: "", kind: Service, name: echo}], rules: [{backendRefs: [{name: echo-v1}]}]}',
        ),
    );
    expect(issues).toEqual([
      {
        path: 'cfg/routes.yaml: HTTPRoute mesh/r: spec.parentRefs[0]',
        message: 'no Service mesh/ghost is defined: create it or fix parentRefs (Accepted: NoMatchingParent)',
      },
    ]);
    expect(model.services.get('mesh/echo')?.httpRoutes?.rules).toHaveLength(1);
    const parents = model.routeStatus?.[0]?.parents;
    expect(parents?.[0]?.conditions[0]).toMatchObject({
      type: 'Accepted',
      status: 'False',
      reason: 'NoMatchingParent',
    });
    expect(parents?.[1]?.conditions[0]).toMatchObject({
      type: 'Accepted',
      status: 'True',
      reason: 'Accepted',
    });
    expect(parents?.[1]?.controllerName).toBe('weft.io/mesh');
  });

  it('keeps unresolved backendRefs with their weight, naming the field and the reason', () => {
    const { model, issues } = build(
      BASE +
        route(
          'r',
          'mesh',
          '{parentRefs: [{group: "", kind: Service, name: echo}], rules: [{backendRefs: [{name: echo-v1, weight: 1}, {name: echo-v3, weight: 1}, {name: echo-v2, port: 9999}, {name: x, kind: Pod}, {name: echo-v1, namespace: far}]}]}',
        ),
    );
    expect(issues.map((i) => `${i.path} ${/\((ResolvedRefs: \w+)\)/.exec(i.message)?.[1]}`)).toEqual([
      'cfg/routes.yaml: HTTPRoute mesh/r: spec.rules[0].backendRefs[1] ResolvedRefs: BackendNotFound',
      'cfg/routes.yaml: HTTPRoute mesh/r: spec.rules[0].backendRefs[2] ResolvedRefs: BackendNotFound',
      'cfg/routes.yaml: HTTPRoute mesh/r: spec.rules[0].backendRefs[3] ResolvedRefs: InvalidKind',
      'cfg/routes.yaml: HTTPRoute mesh/r: spec.rules[0].backendRefs[4] ResolvedRefs: RefNotPermitted',
    ]);
    const backends = model.services.get('mesh/echo')?.httpRoutes?.rules[0]?.backends;
    expect(backends?.map((b) => b.service)).toEqual([
      'mesh/echo-v1',
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(model.routeStatus?.[0]?.parents[0]?.conditions[1]).toMatchObject({
      type: 'ResolvedRefs',
      status: 'False',
      reason: 'BackendNotFound',
    });
  });

  it('drops a rule whose only match has an invalid regex, reports it, and serves the other rules', () => {
    const { model, issues } = build(
      BASE +
        route(
          'r',
          'mesh',
          '{parentRefs: [{group: "", kind: Service, name: echo}], rules: [{matches: [{path: {type: RegularExpression, value: "/(unclosed"}}], backendRefs: [{name: echo-v2}]}, {filters: [{type: CORS}], backendRefs: [{name: echo-v1}]}, {matches: [{path: {value: /ok}}], backendRefs: [{name: echo-v1}]}]}',
        ),
    );
    expect(issues.map((i) => i.path)).toEqual([
      'cfg/routes.yaml: HTTPRoute mesh/r: spec.rules[0].matches[0].path.value',
      'cfg/routes.yaml: HTTPRoute mesh/r: spec.rules[1].filters[0].type',
    ]);
    expect(issues[0]?.message).toMatch(/is not a valid regular expression.*\(Accepted: UnsupportedValue\)/);
    const table = model.services.get('mesh/echo')?.httpRoutes;
    // /ok is the longer prefix, so its rule comes first; the CORS rule stays, answering 500.
    expect(table?.rules.map((r) => r.filters?.[0]?.type)).toEqual([undefined, 'Unsupported']);
    expect(model.routeStatus?.[0]?.parents[0]?.conditions.map((c) => `${c.type}=${c.status}`)).toEqual([
      'Accepted=True',
      'PartiallyInvalid=True',
      'ResolvedRefs=True',
    ]);
  });

  it('lets Gateway API routes win over a TrafficSplit on the same Service, and says so', () => {
    const split =
      'apiVersion: split.smi-spec.io/v1alpha4\nkind: TrafficSplit\nmetadata: {name: s, namespace: mesh}\nspec: {service: echo, backends: [{service: echo-v1, weight: 1}]}\n---\n';
    const { model, issues } = build(
      BASE +
        split +
        route(
          'r',
          'mesh',
          '{parentRefs: [{group: "", kind: Service, name: echo}], rules: [{backendRefs: [{name: echo-v2}]}]}',
        ),
    );
    expect(issues).toEqual([
      {
        path: 'cfg/routes.yaml: TrafficSplit mesh/s: spec.service',
        message:
          'Service mesh/echo also has HTTPRoute/GRPCRoute rules attached: the Gateway API routes win and this split is not applied',
      },
    ]);
    expect(model.services.get('mesh/echo')?.httpRoutes).toBeDefined();
  });
});

describe('Gateway API match precedence', () => {
  const m = (x: HttpMatchView) => x;
  const prefix = (value: string) => ({ type: 'PathPrefix' as const, value });
  const h = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ name: `h${i}`, type: 'Exact' as const, value: 'v' }));

  it('puts an Exact path before any prefix, even a longer one', () => {
    expect(
      compareMatches(m({ path: { type: 'Exact', value: '/a' } }), m({ path: prefix('/a/very/long') })),
    ).toBeLessThan(0);
  });
  it('puts the longest prefix first', () => {
    expect(compareMatches(m({ path: prefix('/v2') }), m({ path: prefix('/') }))).toBeLessThan(0);
    expect(compareMatches(m({ path: prefix('/') }), m({ path: prefix('/v2') }))).toBeGreaterThan(0);
  });
  it('puts a method match before none at equal paths', () => {
    expect(
      compareMatches(m({ path: prefix('/'), method: 'GET' }), m({ path: prefix('/'), headers: h(3) })),
    ).toBeLessThan(0);
  });
  it('puts more header matches first at equal path and method', () => {
    expect(
      compareMatches(m({ path: prefix('/'), headers: h(2) }), m({ path: prefix('/'), headers: h(1) })),
    ).toBeLessThan(0);
  });
  it('puts more query parameter matches first when headers tie', () => {
    expect(
      compareMatches(
        m({ path: prefix('/'), headers: h(1), queryParams: h(2) }),
        m({ path: prefix('/'), headers: h(1), queryParams: h(1) }),
      ),
    ).toBeLessThan(0);
  });

  const twoRoutes = (aMeta: string, bMeta: string) =>
    BASE +
    route(
      'b-route',
      'mesh',
      '{parentRefs: [{group: "", kind: Service, name: echo}], rules: [{backendRefs: [{name: echo-v2}]}]}',
      bMeta,
    ) +
    route(
      'a-route',
      'mesh',
      '{parentRefs: [{group: "", kind: Service, name: echo}], rules: [{backendRefs: [{name: echo-v1}]}]}',
      aMeta,
    );

  it('breaks a tie by the older route', () => {
    const { model } = build(
      twoRoutes(', creationTimestamp: "2024-02-01T00:00:00Z"', ', creationTimestamp: "2024-01-01T00:00:00Z"'),
    );
    const t = model.services.get('mesh/echo')?.httpRoutes;
    expect(t?.rules[t.matches[0]?.rule ?? -1]?.route).toBe('mesh/b-route');
  });
  it('breaks a tie of equal age by namespace/name', () => {
    const { model } = build(twoRoutes('', ''));
    const t = model.services.get('mesh/echo')?.httpRoutes;
    expect(t?.rules[t.matches[0]?.rule ?? -1]?.route).toBe('mesh/a-route');
  });
  it('orders the compiled table by these rules across rules of one route', () => {
    const { model } = build(
      BASE +
        route(
          'r',
          'mesh',
          '{parentRefs: [{group: "", kind: Service, name: echo}], rules: [{matches: [{path: {value: /}}], backendRefs: [{name: echo-v1}]}, {matches: [{headers: [{name: Version, value: two}]}], backendRefs: [{name: echo-v2}]}, {matches: [{path: {type: Exact, value: /x}}], backendRefs: [{name: echo-v2}]}]}',
        ),
    );
    const t = model.services.get('mesh/echo')?.httpRoutes;
    expect(
      t?.matches.map((e) => `${e.match.path?.type} ${e.match.path?.value} ${e.match.headers?.length ?? 0}`),
    ).toEqual(['Exact /x 0', 'PathPrefix / 1', 'PathPrefix / 0']);
    expect(t?.matches[1]?.match.headers).toEqual([{ name: 'version', type: 'Exact', value: 'two' }]);
    expect(t?.rules[t.matches[1]?.rule ?? -1]?.backends[0]?.service).toBe('mesh/echo-v2');
  });
});

import { describe, expect, it } from 'vitest';
import { parseFile } from '../sources/dir/parse-file.ts';
import { buildModel } from './build-model.ts';
import type { LocalEndpoint } from './model.ts';

const FILE = 'cfg/mesh.yaml';
const svc = (name: string, ports = '[{name: http, port: 80, targetPort: 8080}]') =>
  `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: demo}\nspec: {ports: ${ports}}\n---\n`;
const split = (backends: string, extra = '') =>
  `apiVersion: split.smi-spec.io/v1alpha4\nkind: TrafficSplit\nmetadata: {name: web-split, namespace: demo}\nspec: {service: web, backends: ${backends}${extra}}\n---\n`;

const build = (
  yaml: string,
  local: readonly LocalEndpoint[] = [],
  firstSeen: (key: string) => number = () => 1_000,
) => {
  const parsed = parseFile(FILE, yaml, { defaultNamespace: 'default' });
  expect(parsed.issues).toEqual([]);
  return buildModel(parsed.resources, { clusterDomain: 'cluster.local', localEndpoints: local, firstSeen });
};

describe('buildModel: services and endpoints', () => {
  it('gives each service its host names and protocol', () => {
    const { model } = build(
      svc('web', '[{name: grpc, port: 9000, appProtocol: grpc}, {port: 81, appProtocol: kubernetes.io/h2c}]'),
    );
    expect(model.services.get('demo/web')).toEqual({
      name: 'web',
      namespace: 'demo',
      hosts: ['web', 'web.demo', 'web.demo.svc', 'web.demo.svc.cluster.local'],
      ports: [
        { name: 'grpc', port: 9000, targetPort: 9000, protocol: 'grpc' },
        { port: 81, targetPort: 81, protocol: 'h2c' },
      ],
      endpoints: [],
    });
  });

  it('takes endpoints from EndpointSlices honouring conditions, and resolves named targetPorts', () => {
    const slice = (name: string, eps: string) =>
      `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: ${name}, namespace: demo, labels: {kubernetes.io/service-name: web}}\naddressType: IPv4\nendpoints: ${eps}\nports: [{name: http, port: 9090}]\n---\n`;
    const { model } = build(
      svc('web', '[{name: http, port: 80, targetPort: http}]') +
        slice(
          'a',
          '[{addresses: [10.0.0.2]}, {addresses: [10.0.0.1], conditions: {ready: true}}, {addresses: [10.0.0.3], conditions: {ready: false, serving: true, terminating: true}}]',
        ),
    );
    const web = model.services.get('demo/web');
    expect(web?.ports[0]?.targetPort).toBe(9090);
    expect(web?.endpoints).toEqual([
      { address: '10.0.0.1', port: 9090 },
      { address: '10.0.0.2', port: 9090 },
    ]);
    // With no ready endpoint left, serving+terminating ones keep answering.
    const draining = build(
      svc('web') +
        slice(
          'a',
          '[{addresses: [10.0.0.3], conditions: {ready: false, serving: true, terminating: true}}, {addresses: [10.0.0.4], conditions: {ready: false}}]',
        ),
    );
    expect(draining.model.services.get('demo/web')?.endpoints).toEqual([{ address: '10.0.0.3', port: 9090 }]);
  });

  it('takes endpoints from v1 Endpoints (ready addresses only)', () => {
    const eps = `apiVersion: v1\nkind: Endpoints\nmetadata: {name: web, namespace: demo}\nsubsets: [{addresses: [{ip: 127.0.0.1}], notReadyAddresses: [{ip: 127.0.0.2}], ports: [{port: 7000}]}]\n`;
    expect(build(svc('web') + eps).model.services.get('demo/web')?.endpoints).toEqual([
      { address: '127.0.0.1', port: 7000 },
    ]);
  });

  it('makes a connected sidecar an endpoint of its service, with its identity; unknown services are reported', () => {
    const local: LocalEndpoint[] = [
      {
        namespace: 'demo',
        service: 'web',
        workload: 'web-1',
        address: '127.0.0.1',
        port: 41_001,
        identity: 'spiffe://cluster.local/ns/demo/sa/web',
      },
      {
        namespace: 'demo',
        service: 'ghost',
        workload: 'ghost-1',
        address: '127.0.0.1',
        port: 41_002,
        identity: 'spiffe://x',
      },
    ];
    const { model, issues } = build(svc('web'), local);
    expect(model.services.get('demo/web')?.endpoints).toEqual([
      {
        address: '127.0.0.1',
        port: 41_001,
        workload: 'web-1',
        identity: 'spiffe://cluster.local/ns/demo/sa/web',
      },
    ]);
    expect(issues).toEqual([
      {
        path: 'sidecar demo/ghost-1: node.service',
        message: expect.stringContaining('no Service demo/ghost is defined'),
      },
    ]);
  });

  it('reports duplicate objects and keeps the first', () => {
    const parsed = [
      ...parseFile('a.yaml', svc('web'), { defaultNamespace: 'd' }).resources,
      ...parseFile('b.yaml', svc('web', '[{port: 81}]'), { defaultNamespace: 'd' }).resources,
    ];
    const { model, issues } = buildModel(parsed, {
      clusterDomain: 'cluster.local',
      localEndpoints: [],
      firstSeen: () => 0,
    });
    expect(model.services.get('demo/web')?.ports[0]?.port).toBe(80);
    expect(issues).toEqual([
      {
        path: 'b.yaml: Service demo/web',
        message: 'is also defined in a.yaml: remove one copy (this one is ignored)',
      },
    ]);
  });
});

describe('buildModel: TrafficSplit cross-object checks', () => {
  const base = svc('web') + svc('web-v1') + svc('web-v2', '[{name: http, port: 80, targetPort: 9999}]');

  it('attaches the split to the root service; targetPort stays per backend', () => {
    const { model, issues } = build(
      base + split('[{service: web-v1, weight: 900}, {service: web-v2, weight: 100}]'),
    );
    expect(issues).toEqual([]);
    expect(model.services.get('demo/web')?.split).toEqual({
      name: 'demo/web-split',
      backends: [
        { service: 'demo/web-v1', weight: 900 },
        { service: 'demo/web-v2', weight: 100 },
      ],
    });
    expect(model.services.get('demo/web-v2')?.ports[0]?.targetPort).toBe(9999);
  });

  it.each([
    [
      'backend that is not a Service',
      split('[{service: web-v1, weight: 1}, {service: nope, weight: 1}]'),
      `${FILE}: TrafficSplit demo/web-split: spec.backends[1].service`,
      'no Service demo/nope is defined: create it (until then this backend gets no traffic)',
    ],
    [
      'backend whose ports do not match the root',
      svc('web-odd', '[{port: 1024}]') +
        split('[{service: web-v1, weight: 1}, {service: web-odd, weight: 1}]'),
      `${FILE}: TrafficSplit demo/web-split: spec.backends[1].service`,
      'Service demo/web-odd lacks port(s) 80 of the root service: add them (until then this backend gets no traffic)',
    ],
  ])('%s: excluded and reported', (_name, yaml, path, message) => {
    const { model, issues } = build(base + yaml);
    expect(issues).toEqual([{ path, message }]);
    expect(model.services.get('demo/web')?.split?.backends).toEqual([{ service: 'demo/web-v1', weight: 1 }]);
  });

  it('ignores a split whose root is unknown, or that has no usable weight', () => {
    const unknownRoot = build(
      base + split('[{service: web-v1, weight: 1}]').replace('service: web,', 'service: gone,'),
    );
    expect(unknownRoot.issues[0]?.path).toBe(`${FILE}: TrafficSplit demo/web-split: spec.service`);
    const zero = build(base + split('[{service: web-v1, weight: 0}]'));
    expect(zero.issues).toEqual([
      {
        path: `${FILE}: TrafficSplit demo/web-split: spec.backends`,
        message: 'no usable backend has a weight above 0; the split is ignored',
      },
    ]);
    expect(zero.model.services.get('demo/web')?.split).toBeUndefined();
  });

  it('accepts the root as a DNS name and resolves HTTPRouteGroup matches', () => {
    const group = `apiVersion: specs.smi-spec.io/v1alpha4\nkind: HTTPRouteGroup\nmetadata: {name: ab, namespace: demo}\nspec: {matches: [{name: ff, headers: {user-agent: ".*Firefox.*"}}]}\n---\n`;
    const yaml =
      base +
      group +
      split(
        '[{service: web-v2, weight: 100}]',
        ', matches: [{kind: HTTPRouteGroup, name: ab}, {kind: HTTPRouteGroup, name: missing}]',
      );
    const { model, issues } = build(yaml.replace('service: web,', 'service: web.demo.svc.cluster.local,'));
    expect(model.services.get('demo/web')?.split?.matches).toEqual([
      { name: 'ff', headers: { 'user-agent': '.*Firefox.*' } },
    ]);
    expect(issues.map((i) => i.path)).toEqual([`${FILE}: TrafficSplit demo/web-split: spec.matches[1].name`]);
  });
});

describe('buildModel: policies', () => {
  const policy = (spec: string) =>
    `apiVersion: policy.weft.io/v1alpha1\nkind: TrafficPolicy\nmetadata: {name: web-policy, namespace: demo}\nspec: {targetRef: {kind: Service, name: web}, ${spec}}\n---\n`;

  it('applies the documented defaults to the blocks given, and leaves the others off', () => {
    const { model } = build(
      svc('web') +
        policy(
          'timeout: 2s, retries: {attempts: 2}, outlierDetection: {consecutive5xx: 3}, routes: [{match: {pathRegex: /slow}, timeout: 10s}]',
        ),
    );
    expect(model.services.get('demo/web')?.policy).toEqual({
      name: 'demo/web-policy',
      timeoutMs: 2_000,
      retries: {
        attempts: 2,
        retryOn: ['5xx', 'reset', 'connect-failure', 'refused-stream', 'unavailable'],
        backoff: { baseMs: 25, maxMs: 250 },
        budget: { ratio: 0.2, minPerSecond: 10, windowMs: 10_000 },
        maxReplayBytes: 65_536,
        retryNonIdempotent: false,
      },
      outlierDetection: {
        consecutive5xx: 3,
        consecutiveGatewayErrors: 5,
        intervalMs: 10_000,
        baseEjectionTimeMs: 30_000,
        maxEjectionPercent: 10,
      },
      routes: [{ match: { pathRegex: '/slow' }, rules: { timeoutMs: 10_000 } }],
    });
  });

  it('completes a connection block with its defaults, per service only (routes refuse it)', () => {
    const { model, issues } = build(
      svc('web') + policy('connection: {connectTimeout: 250ms, maxConnectionsPerEndpoint: 8}'),
    );
    expect(issues).toEqual([]);
    expect(model.services.get('demo/web')?.policy).toEqual({
      name: 'demo/web-policy',
      connection: {
        connectTimeoutMs: 250,
        handshakeTimeoutMs: 3_000,
        maxConnectionsPerEndpoint: 8,
        maxPendingRequestsPerEndpoint: 1024,
      },
    });
    const parse = (spec: string) =>
      parseFile(FILE, svc('web') + policy(spec), { defaultNamespace: 'default' }).issues;
    expect(parse('routes: [{match: {pathRegex: /a}, connection: {connectTimeout: 1s}}]')).toEqual([
      expect.objectContaining({
        path: `${FILE}: TrafficPolicy demo/web-policy: spec.routes[0].connection`,
        message: 'unknown field: remove it or correct its spelling',
      }),
    ]);
    const bad = parse('connection: {connectTimeout: 250, maxPendingRequestsPerEndpoint: -1}');
    expect(bad.map((i) => `${i.path.split(': ').pop()}: ${i.message}`)).toEqual([
      expect.stringMatching(/^spec\.connection\.connectTimeout: .*add a unit, e\.g\. "250ms"/),
      expect.stringMatching(/^spec\.connection\.maxPendingRequestsPerEndpoint: must be a whole number ≥ 0/),
    ]);
  });

  it('reports a policy for an unknown service', () => {
    const { issues } = build(svc('other') + policy('timeout: 1s'));
    expect(issues).toEqual([
      {
        path: `${FILE}: TrafficPolicy demo/web-policy: spec.targetRef.name`,
        message: 'no Service demo/web is defined: this policy applies to nothing',
      },
    ]);
  });

  it('turns FaultInjection into a FaultView whose end counts from when it was first seen', () => {
    const fault = `apiVersion: policy.weft.io/v1alpha1\nkind: FaultInjection\nmetadata: {name: chaos, namespace: demo}\nspec: {targetRef: {kind: Service, name: web}, sources: [{kind: ServiceAccount, name: frontend}], abort: {httpStatus: 503, percent: 20}, delay: {fixed: 100ms}, duration: 5m}\n`;
    const seen: string[] = [];
    const { model } = build(svc('web') + fault, [], (key) => {
      seen.push(key);
      return 1_700_000_000_000;
    });
    expect(model.services.get('demo/web')?.faults).toEqual([
      {
        name: 'demo/chaos',
        sources: ['demo/frontend'],
        delay: { fixedMs: 100, percent: 100 },
        abort: { httpStatus: 503, percent: 20 },
        endsAtMs: 1_700_000_300_000,
      },
    ]);
    expect(seen[0]).toMatch(/^demo\/chaos@[0-9a-f]{16}$/); // no generation in a file: the content identifies the version
  });
});

describe('buildModel: authorization (SMI TrafficTarget via traffic-target.ts)', () => {
  it('compiles TrafficTargets with their HTTPRouteGroups per destination service account', () => {
    const yaml = `apiVersion: specs.smi-spec.io/v1alpha4\nkind: HTTPRouteGroup\nmetadata: {name: api, namespace: demo}\nspec: {matches: [{name: get, methods: [GET]}]}\n---\napiVersion: access.smi-spec.io/v1alpha3\nkind: TrafficTarget\nmetadata: {name: catalog-readers, namespace: demo}\nspec:\n  destination: {kind: ServiceAccount, name: catalog}\n  rules: [{kind: HTTPRouteGroup, name: api, matches: [get]}]\n  sources: [{kind: ServiceAccount, name: frontend}]\n`;
    const { model, issues } = build(yaml);
    expect(issues).toEqual([]);
    expect(model.authz).toEqual({
      'demo/catalog': {
        rules: [
          {
            name: 'demo/catalog-readers',
            sources: ['demo/frontend'],
            routes: [{ name: 'get', methods: ['GET'] }],
          },
        ],
      },
    });
  });

  it('prefixes authorization issues with the file of the TrafficTarget', () => {
    const yaml = `apiVersion: access.smi-spec.io/v1alpha3\nkind: TrafficTarget\nmetadata: {name: t}\nspec:\n  destination: {kind: ServiceAccount, name: catalog}\n  rules: [{kind: HTTPRouteGroup, name: missing}]\n  sources: [{kind: ServiceAccount, name: frontend}]\n`;
    const { issues } = build(yaml);
    expect(issues[0]?.path).toBe(`${FILE}: TrafficTarget default/t: spec.rules[0]`);
  });
});

import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseResource } from './resources.ts';

const opts = { defaultNamespace: 'default' };
const parseYaml = (text: string) => parseResource(parse(text), opts);
const value = (text: string) => {
  const r = parseYaml(text);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
};

describe('every supported resource version parses', () => {
  it.each([
    [
      'Service v1',
      `apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: demo, uid: x1, resourceVersion: "5"}\nspec:\n  selector: {app: web}\n  type: ClusterIP\n  clusterIP: 10.0.0.1\n  ports: [{name: http, port: 80, targetPort: http, protocol: TCP, appProtocol: kubernetes.io/h2c}]`,
    ],
    [
      'EndpointSlice v1',
      `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: web-1, labels: {kubernetes.io/service-name: web}}\naddressType: IPv4\nendpoints: [{addresses: [127.0.0.1], conditions: {ready: true, serving: true, terminating: false}, nodeName: n1}]\nports: [{name: http, port: 8080, protocol: TCP}]`,
    ],
    [
      'Endpoints v1',
      `apiVersion: v1\nkind: Endpoints\nmetadata: {name: web}\nsubsets: [{addresses: [{ip: 127.0.0.1}], notReadyAddresses: [{ip: 127.0.0.2}], ports: [{port: 8080}]}]`,
    ],
    [
      'TrafficSplit v1alpha1 (Linkerd, quantities)',
      `apiVersion: split.smi-spec.io/v1alpha1\nkind: TrafficSplit\nmetadata: {name: web}\nspec: {service: web, backends: [{service: web-v1, weight: 500m}, {service: web-v2, weight: "1"}]}`,
    ],
    [
      'TrafficSplit v1alpha2 (OSM)',
      `apiVersion: split.smi-spec.io/v1alpha2\nkind: TrafficSplit\nmetadata: {name: web}\nspec: {service: web.default.svc.cluster.local, backends: [{service: web-v1, weight: 90}, {service: web-v2, weight: 10}]}`,
    ],
    [
      'TrafficSplit v1alpha3 (matches)',
      `apiVersion: split.smi-spec.io/v1alpha3\nkind: TrafficSplit\nmetadata: {name: web}\nspec: {service: web, matches: [{kind: HTTPRouteGroup, name: ab}], backends: [{service: web-v2, weight: 100}]}`,
    ],
    [
      'TrafficSplit v1alpha4 (apiGroup)',
      `apiVersion: split.smi-spec.io/v1alpha4\nkind: TrafficSplit\nmetadata: {name: web}\nspec: {service: web, matches: [{kind: HTTPRouteGroup, name: ab, apiGroup: specs.smi-spec.io}], backends: [{service: web-v2, weight: 0}, {service: web-v1, weight: 1}]}`,
    ],
    [
      'TrafficSplit from Flagger (ownerReferences, status)',
      `apiVersion: split.smi-spec.io/v1alpha2\nkind: TrafficSplit\nmetadata: {name: podinfo, namespace: test, ownerReferences: [{apiVersion: flagger.app/v1beta1, kind: Canary, name: podinfo, uid: u, controller: true}]}\nspec: {service: podinfo, backends: [{service: podinfo-canary, weight: 0}, {service: podinfo-primary, weight: 100}]}\nstatus: {}`,
    ],
    [
      'HTTPRouteGroup v1alpha1 (top-level matches)',
      `apiVersion: specs.smi-spec.io/v1alpha1\nkind: HTTPRouteGroup\nmetadata: {name: r}\nmatches: [{name: metrics, pathRegex: /metrics, methods: [GET]}]`,
    ],
    [
      'HTTPRouteGroup v1alpha2 (header list)',
      `apiVersion: specs.smi-spec.io/v1alpha2\nkind: HTTPRouteGroup\nmetadata: {name: r}\nmatches: [{name: ff, headers: [{user-agent: ".*Firefox.*"}]}]`,
    ],
    [
      'HTTPRouteGroup v1alpha3 (spec, header map)',
      `apiVersion: specs.smi-spec.io/v1alpha3\nkind: HTTPRouteGroup\nmetadata: {name: r}\nspec: {matches: [{name: a, headers: {cookie: "^(.*?;)?(type=insider)(;.*)?$"}}]}`,
    ],
    [
      'HTTPRouteGroup v1alpha4',
      `apiVersion: specs.smi-spec.io/v1alpha4\nkind: HTTPRouteGroup\nmetadata: {name: r}\nspec: {matches: [{name: all, pathRegex: ".*", methods: ["*"]}]}`,
    ],
    [
      'TrafficPolicy v1alpha1',
      `apiVersion: policy.weft.io/v1alpha1\nkind: TrafficPolicy\nmetadata: {name: catalog, namespace: demo}\nspec:\n  targetRef: {kind: Service, name: catalog}\n  timeout: 2s\n  retries: {attempts: 3, perTryTimeout: 500ms, retryOn: [5xx, reset, connect-failure], backoff: {base: 25ms, max: 250ms}, budget: {ratio: 0.2, minPerSecond: 10}}\n  circuitBreaker: {maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3}\n  outlierDetection: {consecutive5xx: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 10}\n  routes: [{match: {pathRegex: /slow, methods: [GET]}, timeout: 10s}]`,
    ],
    [
      'FaultInjection v1alpha1',
      `apiVersion: policy.weft.io/v1alpha1\nkind: FaultInjection\nmetadata: {name: catalog-chaos, namespace: demo}\nspec:\n  targetRef: {kind: Service, name: catalog}\n  match: {headers: {x-chaos: "on"}}\n  sources: [{kind: ServiceAccount, name: frontend}]\n  delay: {fixed: 100ms, percent: 30}\n  abort: {httpStatus: 503, percent: 20}\n  duration: 5m`,
    ],
  ])('%s', (_name, text) => {
    expect(value(text)).not.toBeNull();
  });

  it('normalises v1alpha1 quantities exactly and keeps whole weights as written', () => {
    const split = (w1: string, w2: string) =>
      value(
        `apiVersion: split.smi-spec.io/v1alpha1\nkind: TrafficSplit\nmetadata: {name: s}\nspec: {service: a, backends: [{service: b, weight: ${w1}}, {service: c, weight: ${w2}}]}`,
      );
    expect(split('500m', '1')).toMatchObject({ spec: { backends: [{ weight: 500 }, { weight: 1000 }] } });
    expect(split('90', '10')).toMatchObject({ spec: { backends: [{ weight: 90 }, { weight: 10 }] } });
  });

  it('normalises route groups: header names lower case, "*" means any method', () => {
    const g = value(
      `apiVersion: specs.smi-spec.io/v1alpha2\nkind: HTTPRouteGroup\nmetadata: {name: r}\nmatches: [{name: ff, methods: ["*"], headers: [{User-Agent: x}, {Cookie: y}]}]`,
    );
    expect(g).toMatchObject({
      spec: { matches: [{ name: 'ff', headers: { 'user-agent': 'x', cookie: 'y' } }] },
    });
    expect(
      (g as unknown as { spec: { matches: { methods?: unknown }[] } }).spec.matches[0]?.methods,
    ).toBeUndefined();
  });

  it('converts durations and gRPC status names at the edge', () => {
    const f = value(
      `apiVersion: policy.weft.io/v1alpha1\nkind: FaultInjection\nmetadata: {name: f}\nspec: {targetRef: {kind: Service, name: s}, abort: {grpcStatus: UNAVAILABLE}, delay: {fixed: 1m30s}}`,
    );
    expect(f).toMatchObject({ spec: { abort: { grpcStatus: 14 }, delay: { fixed: 90_000 } } });
  });

  it('keeps known SMI kinds it does not read as opaque, and ignores foreign kinds', () => {
    expect(
      value(
        `apiVersion: access.smi-spec.io/v1alpha3\nkind: TrafficTarget\nmetadata: {name: t}\nspec: {destination: {kind: ServiceAccount, name: a}}`,
      ),
    ).toMatchObject({
      kind: 'Opaque',
      objectKind: 'TrafficTarget',
      meta: { namespace: 'default', name: 't' },
    });
    expect(value(`apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}`)).toBeNull();
  });
});

describe('invalid objects: every problem at once, each naming object and field', () => {
  const split = (backends: string, extra = '') =>
    `apiVersion: split.smi-spec.io/v1alpha4\nkind: TrafficSplit\nmetadata: {name: web, namespace: demo}\nspec: {service: web, backends: ${backends}${extra}}`;
  it.each([
    [
      'negative weight',
      split('[{service: a, weight: -5}]'),
      'TrafficSplit demo/web: spec.backends[0].weight',
      'must be a whole number ≥ 0 (got -5)',
    ],
    [
      'non-integer weight',
      split('[{service: a, weight: 1}, {service: b, weight: 2.5}]'),
      'TrafficSplit demo/web: spec.backends[1].weight',
      'must be a whole number ≥ 0 (got 2.5)',
    ],
    [
      'unknown field',
      split('[{service: a, wieght: 1}]'),
      'TrafficSplit demo/web: spec.backends[0].wieght',
      'unknown field: remove it or correct its spelling',
    ],
    [
      'missing field',
      split('[{service: a}]'),
      'TrafficSplit demo/web: spec.backends[0].weight',
      'is required',
    ],
    [
      'quantity too fine',
      split('[{service: a, weight: 1}]').replace('v1alpha4', 'v1alpha1').replace('weight: 1', 'weight: 0.5m'),
      'TrafficSplit demo/web: spec.backends[0].weight',
      'must be a Kubernetes quantity ≥ 0 such as 1, 500m or 100 (got "0.5m"): the quantity is finer than one milli-unit (1m)',
    ],
    [
      'matches in v1alpha2',
      split('[{service: a, weight: 1}]', ', matches: [{kind: HTTPRouteGroup, name: x}]').replace(
        'v1alpha4',
        'v1alpha2',
      ),
      'TrafficSplit demo/web: spec.matches',
      'is not part of v1alpha2: use apiVersion split.smi-spec.io/v1alpha4 to split by route',
    ],
    [
      'unsupported apiVersion',
      split('[]').replace('v1alpha4', 'v1beta1'),
      'TrafficSplit demo/web: apiVersion',
      expect.stringContaining('must be one of split.smi-spec.io/v1alpha1'),
    ],
    [
      'duration without unit',
      `apiVersion: policy.weft.io/v1alpha1\nkind: TrafficPolicy\nmetadata: {name: p}\nspec: {targetRef: {kind: Service, name: s}, timeout: 2}`,
      'TrafficPolicy default/p: spec.timeout',
      expect.stringContaining('add a unit'),
    ],
    [
      'bad duration',
      `apiVersion: policy.weft.io/v1alpha1\nkind: TrafficPolicy\nmetadata: {name: p}\nspec: {targetRef: {kind: Service, name: s}, retries: {perTryTimeout: 5 seconds}}`,
      'TrafficPolicy default/p: spec.retries.perTryTimeout',
      expect.stringContaining('cannot read'),
    ],
    [
      'backoff base above max',
      `apiVersion: policy.weft.io/v1alpha1\nkind: TrafficPolicy\nmetadata: {name: p}\nspec: {targetRef: {kind: Service, name: s}, retries: {backoff: {base: 1s, max: 10ms}}}`,
      'TrafficPolicy default/p: spec.retries.backoff.max',
      'must be ≥ backoff.base',
    ],
    [
      'percent above 100',
      `apiVersion: policy.weft.io/v1alpha1\nkind: FaultInjection\nmetadata: {name: f}\nspec: {targetRef: {kind: Service, name: s}, delay: {fixed: 1s, percent: 150}}`,
      'FaultInjection default/f: spec.delay.percent',
      'must be a number from 0 to 100 (got 150)',
    ],
    [
      'both abort statuses',
      `apiVersion: policy.weft.io/v1alpha1\nkind: FaultInjection\nmetadata: {name: f}\nspec: {targetRef: {kind: Service, name: s}, abort: {httpStatus: 503, grpcStatus: 14}}`,
      'FaultInjection default/f: spec.abort',
      'set exactly one of httpStatus or grpcStatus',
    ],
    [
      'fault that does nothing',
      `apiVersion: policy.weft.io/v1alpha1\nkind: FaultInjection\nmetadata: {name: f}\nspec: {targetRef: {kind: Service, name: s}}`,
      'FaultInjection default/f: spec',
      'set delay, abort or both: this fault does nothing',
    ],
    [
      'bad regex',
      `apiVersion: specs.smi-spec.io/v1alpha4\nkind: HTTPRouteGroup\nmetadata: {name: r}\nspec: {matches: [{name: a, pathRegex: "(unclosed"}]}`,
      'HTTPRouteGroup default/r: spec.matches[0].pathRegex',
      expect.stringContaining('must be a valid regular expression'),
    ],
    [
      'bad appProtocol',
      `apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80, appProtocol: https}]}`,
      'Service default/s: spec.ports[0].appProtocol',
      'must be one of http, h2c, grpc, kubernetes.io/h2c, tcp (got "https")',
    ],
    [
      'port out of range',
      `apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 70000}]}`,
      'Service default/s: spec.ports[0].port',
      'must be a whole number from 1 to 65535 (got 70000)',
    ],
    [
      'missing name',
      `apiVersion: v1\nkind: Service\nmetadata: {namespace: x}\nspec: {}`,
      'Service x/<no name>: metadata.name',
      'is required',
    ],
  ])('%s', (_name, text, path, message) => {
    const r = parseYaml(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContainEqual({ path, message });
  });

  it('reports all problems of one object together', () => {
    const r = parseYaml(split('[{service: a, weight: -1}, {service: "", weight: 1.5}]', ', extra: 1'));
    expect(r.ok ? [] : r.error.map((i) => i.path)).toEqual([
      'TrafficSplit demo/web: spec.backends[0].weight',
      'TrafficSplit demo/web: spec.backends[1].service',
      'TrafficSplit demo/web: spec.backends[1].weight',
      'TrafficSplit demo/web: spec.extra',
    ]);
  });
});

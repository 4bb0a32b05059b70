// Property tests (fast-check) for the control plane's pure middle: any mix of resources, valid,
// nearly valid or garbage, goes through parse (api/schema) → buildModel → snapshotFor without
// throwing; every refused object is reported under its own name; every snapshot compiled is one
// the sidecar accepts (the wire schema, api/convert fromWire); huge objects stay bounded in time.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromWire, toWire } from '../../api/convert/snapshot-wire.ts';
import { describeObject, parseResource } from '../../api/schema/resources.ts';
import { snapshotFor } from '../snapshot/snapshot-for.ts';
import { parseFile } from '../sources/dir/parse-file.ts';
import type { SourcedResource } from '../sources/types.ts';
import { buildModel } from './build-model.ts';

const NAMES = ['a', 'b', 'c', 'web', 'web-v2', ''] as const;
const NAMESPACES = ['demo', 'other', undefined] as const;
const name = fc.constantFrom(...NAMES);
const ns = fc.constantFrom(...NAMESPACES);
/** Mostly sensible values with a steady share of wrong types and extremes. */
const num = fc.oneof(
  fc.integer({ min: 0, max: 100 }),
  fc.integer(),
  fc.double(),
  fc.constant(Number.MAX_SAFE_INTEGER),
  fc.string({ maxLength: 3 }),
);
const duration = fc.oneof(fc.constantFrom('1ms', '5s', '10m', '0s', '-1s', '1x', ''), num);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const meta = fc.record({ name, namespace: ns }, { requiredKeys: ['name'] });

const service = fc.record({
  apiVersion: fc.constant('v1'),
  kind: fc.constant('Service'),
  metadata: meta,
  spec: fc.record({
    ports: fc.array(
      fc.record(
        {
          name: maybe(name),
          port: num,
          targetPort: fc.oneof(num, name),
          appProtocol: fc.constantFrom('http', 'grpc', 'tcp', 'kubernetes.io/h2c', 'x'),
        },
        { requiredKeys: ['port'] },
      ),
      { maxLength: 3 },
    ),
  }),
});
const split = fc.record({
  apiVersion: fc.constantFrom(
    'split.smi-spec.io/v1alpha4',
    'split.smi-spec.io/v1alpha2',
    'split.smi-spec.io/v9',
  ),
  kind: fc.constant('TrafficSplit'),
  metadata: meta,
  spec: fc.record({
    service: name,
    backends: fc.array(fc.record({ service: name, weight: num }), { maxLength: 4 }),
    matches: maybe(fc.array(fc.record({ kind: fc.constant('HTTPRouteGroup'), name }), { maxLength: 2 })),
  }),
});
const routeGroup = fc.record({
  apiVersion: fc.constantFrom('specs.smi-spec.io/v1alpha4', 'specs.smi-spec.io/v1alpha3'),
  kind: fc.constant('HTTPRouteGroup'),
  metadata: meta,
  spec: fc.record({
    matches: fc.array(
      fc.record({
        name,
        pathRegex: maybe(fc.constantFrom('/api/.*', '(', '.*', '[a-')),
        methods: maybe(fc.array(fc.constantFrom('GET', 'POST', '*', 'bogus'), { maxLength: 2 })),
        headers: maybe(fc.dictionary(fc.constantFrom('x-a', 'X-B', ''), fc.string({ maxLength: 4 }))),
      }),
      { maxLength: 3 },
    ),
  }),
});
const rules = fc.record(
  {
    timeout: duration,
    retries: fc.record(
      { attempts: num, perTryTimeout: duration, retryOn: fc.array(fc.constantFrom('5xx', 'reset', 'nope')) },
      { requiredKeys: [] },
    ),
    circuitBreaker: fc.record({ maxRequests: num, maxConnections: num }, { requiredKeys: [] }),
    outlierDetection: fc.record({ consecutive5xx: num, baseEjectionTime: duration }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);
const policy = fc.record({
  apiVersion: fc.constant('policy.weft.io/v1alpha1'),
  kind: fc.constant('TrafficPolicy'),
  metadata: meta,
  spec: fc
    .tuple(rules, fc.record({ kind: fc.constantFrom('Service', 'Pod'), name }))
    .map(([r, targetRef]) => ({
      ...r,
      targetRef,
    })),
});
const fault = fc.record({
  apiVersion: fc.constant('policy.weft.io/v1alpha1'),
  kind: fc.constant('FaultInjection'),
  metadata: meta,
  spec: fc.record(
    {
      targetRef: fc.record({ kind: fc.constant('Service'), name }),
      abort: fc.record({ httpStatus: num, percent: num }, { requiredKeys: [] }),
      delay: fc.record({ fixedDelay: duration, percent: num }, { requiredKeys: [] }),
      duration,
    },
    { requiredKeys: ['targetRef'] },
  ),
});
const slice = fc.record({
  apiVersion: fc.constant('discovery.k8s.io/v1'),
  kind: fc.constant('EndpointSlice'),
  metadata: fc.record({
    name,
    namespace: ns,
    labels: fc.record({ 'kubernetes.io/service-name': name }),
  }),
  addressType: fc.constantFrom('IPv4', 'IPv6', 'FQDN'),
  ports: fc.array(fc.record({ name: maybe(name), port: num }), { maxLength: 2 }),
  endpoints: fc.array(
    fc.record({
      addresses: fc.array(fc.constantFrom('10.0.0.1', '::1', 'nope', ''), { maxLength: 2 }),
      conditions: fc.record({ ready: fc.boolean() }, { requiredKeys: [] }),
    }),
    { maxLength: 3 },
  ),
});
/** Any object at all, sometimes with a real kind on top. */
const garbage = fc.oneof(
  fc.anything(),
  fc.record({
    apiVersion: fc.constantFrom(
      'v1',
      'policy.weft.io/v1alpha1',
      'split.smi-spec.io/v1alpha4',
      'access.smi-spec.io/v1alpha3',
    ),
    kind: fc.constantFrom('Service', 'TrafficPolicy', 'TrafficSplit', 'TrafficTarget', 'FaultInjection'),
    metadata: fc.anything(),
    spec: fc.anything(),
  }),
);
const resource = fc.oneof(service, service, split, routeGroup, policy, fault, slice, garbage);

const OPTS = { defaultNamespace: 'demo' };
const BUILD = { clusterDomain: 'cluster.local', firstSeen: () => 1_000 };
const WORKLOADS = [
  { name: 'w', namespace: 'demo', serviceAccount: 'w', service: 'web' },
  { name: 'x', namespace: 'other', serviceAccount: 'x' },
];

/** parse → build → snapshot for each workload; throws only if the pipeline does. */
const compile = (objects: readonly unknown[]) => {
  const resources: SourcedResource[] = [];
  const refused: { name: string; paths: string[] }[] = [];
  for (const obj of objects) {
    const r = parseResource(obj, OPTS);
    if (!r.ok)
      refused.push({ name: describeObject(obj, OPTS.defaultNamespace), paths: r.error.map((i) => i.path) });
    else if (r.value) resources.push({ resource: r.value, origin: 'fuzz.yaml' });
  }
  const local = [
    {
      namespace: 'demo',
      service: 'web',
      workload: 'w',
      address: '127.0.0.1',
      port: 1,
      identity: 'spiffe://cluster.local/ns/demo/sa/w',
    },
  ];
  const built = buildModel(resources, { ...BUILD, localEndpoints: local });
  const snapshots = WORKLOADS.map((w) => snapshotFor(built.model, w, { trustDomain: 'cluster.local' }));
  return { refused, built, snapshots };
};

describe('compile never crashes (fast-check)', () => {
  it('parse → buildModel → snapshotFor: no throw, refusals named, every snapshot accepted by the sidecar', () => {
    fc.assert(
      fc.property(fc.array(resource, { maxLength: 12 }), (objects) => {
        const { refused, built, snapshots } = compile(objects);
        for (const r of refused) for (const p of r.paths) expect(p.startsWith(r.name)).toBe(true);
        for (const i of built.issues) expect(typeof i.path === 'string' && i.path.length > 0).toBe(true);
        for (const s of snapshots) {
          const back = fromWire(toWire(s));
          expect(back.ok ? 'ok' : back.error).toBe('ok');
        }
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 400), seed: Number(process.env.FC_SEED ?? 20261122) },
    );
  });

  it('any YAML text: parseFile reports problems with the file name, never throws', () => {
    const yamlish = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc
        .array(
          fc.constantFrom(
            'a: 1\n',
            '---\n',
            'kind: Service\n',
            '- x\n',
            '&a [*a]\n',
            '{',
            'apiVersion: v1\n',
            '  b: *x\n',
            '!!binary x\n',
          ),
          { maxLength: 20 },
        )
        .map((p) => p.join('')),
    );
    fc.assert(
      fc.property(yamlish, (text) => {
        const parsed = parseFile('cfg/f.yaml', text, OPTS);
        for (const i of parsed.issues) expect(i.path.startsWith('cfg/f.yaml')).toBe(true);
      }),
      { numRuns: 500, seed: 7 },
    );
  });

  it('huge objects are refused or compiled in bounded time', () => {
    const huge = [
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'x'.repeat(1 << 20), namespace: 'demo' },
        spec: { ports: [{ port: 80 }] },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'many', namespace: 'demo' },
        spec: { ports: Array.from({ length: 50_000 }, (_, i) => ({ port: i % 70_000, name: `p${i}` })) },
      },
      {
        apiVersion: 'split.smi-spec.io/v1alpha4',
        kind: 'TrafficSplit',
        metadata: { name: 's', namespace: 'demo' },
        spec: {
          service: 'web',
          backends: Array.from({ length: 50_000 }, (_, i) => ({ service: `b${i}`, weight: -i })),
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'deep', namespace: 'demo', labels: nest(5_000) },
        spec: { ports: [] },
      },
    ];
    for (const obj of huge) {
      const t0 = performance.now();
      const { refused, snapshots } = compile([obj]);
      const ms = performance.now() - t0;
      const issues = refused.reduce((n, r) => n + r.paths.length, 0);
      console.log(
        `[reliability] huge ${describeObject(obj, 'demo').slice(0, 40)}: ${ms.toFixed(0)} ms, ${issues} issue(s)`,
      );
      expect(ms).toBeLessThan(5_000);
      expect(snapshots).toHaveLength(2);
    }
  }, 30_000);
});

function nest(depth: number): Record<string, unknown> {
  let o: Record<string, unknown> = { leaf: 'x' };
  for (let i = 0; i < depth; i++) o = { n: o };
  return o;
}

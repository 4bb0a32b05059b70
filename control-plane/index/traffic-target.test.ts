import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { RouteMatch } from '../../api/model/snapshot.ts';
import { buildAuthzIndex } from './traffic-target.ts';

const docs = (text: string): unknown[] => parseAllDocuments(text).map((d) => d.toJSON() as unknown);

type Named = RouteMatch & { name: string };
const metrics: Named = { name: 'metrics', pathRegex: '/metrics', methods: ['GET'] };
const everything: Named = { name: 'everything', pathRegex: '.*', methods: ['*'] };
const groups = new Map<string, readonly Named[]>([['default/the-routes', [metrics, everything]]]);
const build = (yaml: string, g = groups) =>
  buildAuthzIndex({ objects: docs(yaml), httpRouteGroups: g, defaultNamespace: 'default' });

const osmTarget = (extra = '') => `
apiVersion: access.smi-spec.io/v1alpha3
kind: TrafficTarget
metadata: {name: path-specific, namespace: default}
spec:
  destination: {kind: ServiceAccount, name: service-a, namespace: default}
  rules:
  - kind: HTTPRouteGroup
    name: the-routes
    matches: [metrics]
  sources:
  - {kind: ServiceAccount, name: prometheus, namespace: default}
  - {kind: ServiceAccount, name: grafana, namespace: monitoring}
${extra}`;

describe('TrafficTarget → AuthzView', () => {
  it('v1alpha3 (OSM): destination SA → its sources and only the named matches', () => {
    const r = build(osmTarget());
    expect(r.issues).toEqual([]);
    expect(r.byServiceAccount).toEqual({
      'default/service-a': {
        rules: [
          {
            name: 'default/path-specific',
            sources: ['default/prometheus', 'monitoring/grafana'],
            routes: [metrics],
          },
        ],
      },
    });
  });

  it('v1alpha4: IdentityBinding destination/sources, TCPRoute ports plus HTTP matches', () => {
    const r = build(`
apiVersion: access.smi-spec.io/v1alpha4
kind: IdentityBinding
metadata: {name: api-service}
spec: {schemes: {serviceAccount: api}}
---
apiVersion: access.smi-spec.io/v1alpha4
kind: IdentityBinding
metadata: {name: prometheus}
spec: {schemes: {serviceAccount: prom}}
---
apiVersion: specs.smi-spec.io/v1alpha4
kind: TCPRoute
metadata: {name: api-port}
spec: {matches: {ports: [8080, 8080]}}
---
apiVersion: access.smi-spec.io/v1alpha4
kind: TrafficTarget
metadata: {name: api-metrics}
spec:
  destination: {kind: IdentityBinding, group: access.smi-spec.io, name: api-service, namespace: default}
  rules:
  - {kind: TCPRoute, name: api-port}
  - {kind: HTTPRouteGroup, name: the-routes, matches: [metrics]}
  sources:
  - {kind: IdentityBinding, group: access.smi-spec.io, name: prometheus, namespace: default}
`);
    expect(r.issues).toEqual([]);
    expect(r.byServiceAccount['default/api']).toEqual({
      rules: [{ name: 'default/api-metrics', sources: ['default/prom'], routes: [metrics], ports: [8080] }],
    });
  });

  it('a rule without matches allows every match of the group; a TCPRoute without ports every port', () => {
    const r = build(`
apiVersion: specs.smi-spec.io/v1alpha3
kind: TCPRoute
metadata: {name: raw}
spec: {}
---
apiVersion: access.smi-spec.io/v1alpha3
kind: TrafficTarget
metadata: {name: all-http}
spec:
  destination: {kind: ServiceAccount, name: b}
  rules: [{kind: HTTPRouteGroup, name: the-routes}]
  sources: [{kind: ServiceAccount, name: a}]
---
apiVersion: access.smi-spec.io/v1alpha3
kind: TrafficTarget
metadata: {name: all-tcp}
spec:
  destination: {kind: ServiceAccount, name: b}
  rules: [{kind: TCPRoute, name: raw}]
  sources: [{kind: ServiceAccount, name: c}]
`);
    expect(r.issues).toEqual([]);
    expect(r.byServiceAccount['default/b']?.rules).toEqual([
      { name: 'default/all-http', sources: ['default/a'], routes: [metrics, everything] },
      { name: 'default/all-tcp', sources: ['default/c'] },
    ]);
  });

  it.each<[string, string, string, unknown]>([
    [
      'missing HTTPRouteGroup fails closed (destination still selected, no route allowed)',
      osmTarget().replace('name: the-routes', 'name: nope'),
      'TrafficTarget default/path-specific: spec.rules[0]',
      { 'default/service-a': { rules: [expect.objectContaining({ routes: [] })] } },
    ],
    [
      'unknown match name',
      osmTarget().replace('matches: [metrics]', 'matches: [metrics, health]'),
      'TrafficTarget default/path-specific: spec.rules[0]',
      { 'default/service-a': { rules: [expect.objectContaining({ routes: [metrics] })] } },
    ],
    [
      'destination in another namespace is ignored',
      osmTarget().replace('name: service-a, namespace: default', 'name: service-a, namespace: other'),
      'TrafficTarget default/path-specific: spec.destination.namespace',
      {},
    ],
    [
      'unsupported rule kind allows nothing',
      osmTarget().replace('kind: HTTPRouteGroup', 'kind: UDPRoute'),
      'TrafficTarget default/path-specific: spec.rules[0]',
      { 'default/service-a': { rules: [expect.objectContaining({ routes: [] })] } },
    ],
    [
      'no sources',
      'apiVersion: access.smi-spec.io/v1alpha3\nkind: TrafficTarget\nmetadata: {name: t}\nspec: {destination: {kind: ServiceAccount, name: a}, rules: [{kind: TCPRoute, name: x}], sources: []}',
      'TrafficTarget default/t: spec.sources',
      {},
    ],
    [
      'v1alpha1 layout',
      'apiVersion: access.smi-spec.io/v1alpha1\nkind: TrafficTarget\nmetadata: {name: t}\ndestination: {kind: ServiceAccount, name: a}',
      'TrafficTarget default/t: apiVersion',
      {},
    ],
  ])('%s', (_name, yaml, issuePath, view) => {
    const r = build(yaml);
    expect(r.issues.map((i) => i.path)).toContain(issuePath);
    expect(r.issues.every((i) => i.message.length > 0)).toBe(true);
    expect(r.byServiceAccount).toEqual(view);
  });

  it('gives the same view whatever order the objects arrive in', () => {
    const a = `${osmTarget()}\n---\n${osmTarget().replace('path-specific', 'another').replace('matches: [metrics]', '')}`;
    const b = `${osmTarget().replace('path-specific', 'another').replace('matches: [metrics]', '')}\n---\n${osmTarget()}`;
    expect(JSON.stringify(build(a).byServiceAccount)).toBe(JSON.stringify(build(b).byServiceAccount));
  });
});

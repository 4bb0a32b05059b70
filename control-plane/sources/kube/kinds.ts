// What the Kubernetes source watches: one entry per kind, cluster-wide. Custom kinds are read at
// the version their CRD stores (the API server converts older versions through the conversion
// webhook, control-plane/modes/kubernetes/conversion/), so every object reaches the parser in one shape.
import type { WatchedKind } from './resilient-informer.ts';

export const MESHED_LABEL = 'weft.io/inject';
export const MESHED_VALUE = 'enabled';

export const NAMESPACES: WatchedKind = {
  name: 'namespaces',
  apiVersion: 'v1',
  kind: 'Namespace',
  path: '/api/v1/namespaces',
  labelSelector: `${MESHED_LABEL}=${MESHED_VALUE}`,
};

export const PODS: WatchedKind = { name: 'pods', apiVersion: 'v1', kind: 'Pod', path: '/api/v1/pods' };

/** Kinds whose objects become MeshResources (parsed by api/schema). */
export const CONFIG_KINDS: readonly WatchedKind[] = [
  { name: 'services', apiVersion: 'v1', kind: 'Service', path: '/api/v1/services' },
  {
    name: 'endpointslices',
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    path: '/apis/discovery.k8s.io/v1/endpointslices',
  },
  {
    name: 'trafficsplits',
    apiVersion: 'split.smi-spec.io/v1alpha4',
    kind: 'TrafficSplit',
    path: '/apis/split.smi-spec.io/v1alpha4/trafficsplits',
    optional: true,
  },
  {
    name: 'httproutegroups',
    apiVersion: 'specs.smi-spec.io/v1alpha4',
    kind: 'HTTPRouteGroup',
    path: '/apis/specs.smi-spec.io/v1alpha4/httproutegroups',
    optional: true,
  },
  {
    name: 'traffictargets',
    apiVersion: 'access.smi-spec.io/v1alpha3',
    kind: 'TrafficTarget',
    path: '/apis/access.smi-spec.io/v1alpha3/traffictargets',
    optional: true,
  },
  {
    name: 'trafficpolicies',
    apiVersion: 'policy.weft.io/v1alpha1',
    kind: 'TrafficPolicy',
    path: '/apis/policy.weft.io/v1alpha1/trafficpolicies',
    optional: true,
  },
  {
    name: 'faultinjections',
    apiVersion: 'policy.weft.io/v1alpha1',
    kind: 'FaultInjection',
    path: '/apis/policy.weft.io/v1alpha1/faultinjections',
    optional: true,
  },
  {
    name: 'httproutes',
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    path: '/apis/gateway.networking.k8s.io/v1/httproutes',
    optional: true,
  },
  {
    name: 'grpcroutes',
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GRPCRoute',
    path: '/apis/gateway.networking.k8s.io/v1/grpcroutes',
    optional: true,
  },
];

/**
 * `kube://<kind>/<namespace>/<name>` (`kube://<kind>/<name>` for a cluster-scoped object): the
 * origin of a resource and the prefix of its issues.
 */
export const originOf = (kind: string, namespace: string, name: string): string =>
  namespace === '' ? `kube://${kind}/${name}` : `kube://${kind}/${namespace}/${name}`;

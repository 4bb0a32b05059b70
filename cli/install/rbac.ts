// Least-privilege RBAC of the control plane; docs/kubernetes.md explains each rule. Cluster-wide:
// read what the mesh is built from, write status/events, review tokens, publish the trust bundle
// (ConfigMap weft-root-ca in each meshed namespace). In weft-system only: its Lease and CA Secret.
import { ROOT_CA_CONFIGMAP } from '../../api/runtime/control-plane-tls.ts';

type Json = Record<string, unknown>;

export interface RbacNames {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly leaseName: string;
  readonly caSecretName: string;
}

const READ = ['list', 'watch'];

export const CLUSTER_RULES: readonly Json[] = [
  { apiGroups: [''], resources: ['namespaces', 'services', 'pods'], verbs: READ },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
  { apiGroups: ['split.smi-spec.io'], resources: ['trafficsplits'], verbs: READ },
  { apiGroups: ['specs.smi-spec.io'], resources: ['httproutegroups'], verbs: READ },
  { apiGroups: ['access.smi-spec.io'], resources: ['traffictargets'], verbs: READ },
  { apiGroups: ['policy.weft.io'], resources: ['trafficpolicies', 'faultinjections'], verbs: READ },
  { apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes', 'grpcroutes'], verbs: READ },
  {
    apiGroups: ['gateway.networking.k8s.io'],
    resources: ['httproutes/status', 'grpcroutes/status'],
    verbs: ['patch'],
  },
  {
    apiGroups: ['policy.weft.io'],
    resources: ['trafficpolicies/status', 'faultinjections/status'],
    verbs: ['patch'],
  },
  { apiGroups: [''], resources: ['events'], verbs: ['create'] },
  { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
  // The root CA ConfigMap: `create` cannot be limited by name in RBAC; get/update can.
  { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
  {
    apiGroups: [''],
    resources: ['configmaps'],
    resourceNames: [ROOT_CA_CONFIGMAP],
    verbs: ['get', 'update'],
  },
];

/** Namespace-local rules; `create` cannot be limited by name in RBAC, get/update can. */
export const namespaceRules = (n: RbacNames): Json[] => [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
  {
    apiGroups: ['coordination.k8s.io'],
    resources: ['leases'],
    resourceNames: [n.leaseName],
    verbs: ['get', 'update'],
  },
  { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
  { apiGroups: [''], resources: ['secrets'], resourceNames: [n.caSecretName], verbs: ['get'] },
];

const labels = { 'app.kubernetes.io/part-of': 'weft', 'app.kubernetes.io/component': 'control-plane' };

export const rbacObjects = (n: RbacNames): Json[] => {
  const name = n.serviceAccount;
  const subjects = [{ kind: 'ServiceAccount', name, namespace: n.namespace }];
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: n.namespace, labels } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name, labels },
      rules: CLUSTER_RULES,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name, namespace: n.namespace, labels },
      rules: namespaceRules(n),
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace: n.namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects,
    },
  ];
};

// Built-in kinds registered at start: the ones weft's informers, identity, injector and leader
// election use. Adding one is a line here; nothing else in the stand-in names a kind except the
// CRD, TokenReview and SelfSubjectAccessReview handling.
import type { ResourceType } from './resource-types.ts';

const core = (kind: string, plural: string, namespaced: boolean, extra: Partial<ResourceType> = {}) =>
  ({
    group: '',
    versions: ['v1'],
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    ...extra,
  }) satisfies ResourceType;

export const BUILTIN_TYPES: readonly ResourceType[] = [
  core('Namespace', 'namespaces', false, { shortNames: ['ns'], statusSubresource: true }),
  core('Service', 'services', true, {
    shortNames: ['svc'],
    statusSubresource: true,
    categories: ['all'],
    returnsDeletedObject: true,
  }),
  core('Endpoints', 'endpoints', true, { singular: 'endpoints', shortNames: ['ep'] }),
  core('Pod', 'pods', true, {
    shortNames: ['po'],
    statusSubresource: true,
    categories: ['all'],
    returnsDeletedObject: true,
  }),
  core('Secret', 'secrets', true),
  core('ConfigMap', 'configmaps', true, { shortNames: ['cm'] }),
  core('ServiceAccount', 'serviceaccounts', true, { shortNames: ['sa'], returnsDeletedObject: true }),
  core('Event', 'events', true, { shortNames: ['ev'] }),
  {
    group: 'discovery.k8s.io',
    versions: ['v1'],
    kind: 'EndpointSlice',
    plural: 'endpointslices',
    singular: 'endpointslice',
    namespaced: true,
  },
  {
    group: 'coordination.k8s.io',
    versions: ['v1'],
    kind: 'Lease',
    plural: 'leases',
    singular: 'lease',
    namespaced: true,
  },
  {
    group: 'admissionregistration.k8s.io',
    versions: ['v1'],
    kind: 'MutatingWebhookConfiguration',
    plural: 'mutatingwebhookconfigurations',
    singular: 'mutatingwebhookconfiguration',
    namespaced: false,
  },
  {
    group: 'apiextensions.k8s.io',
    versions: ['v1'],
    kind: 'CustomResourceDefinition',
    plural: 'customresourcedefinitions',
    singular: 'customresourcedefinition',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    statusSubresource: true,
  },
  {
    group: 'authentication.k8s.io',
    versions: ['v1'],
    kind: 'TokenReview',
    plural: 'tokenreviews',
    singular: 'tokenreview',
    namespaced: false,
    virtual: true,
  },
  {
    group: 'authorization.k8s.io',
    versions: ['v1'],
    kind: 'SelfSubjectAccessReview',
    plural: 'selfsubjectaccessreviews',
    singular: 'selfsubjectaccessreview',
    namespaced: false,
    virtual: true,
  },
];

/** Namespaces a fresh cluster has. */
export const INITIAL_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

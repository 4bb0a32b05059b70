// A short way for tests to describe a custom kind; it becomes a real CustomResourceDefinition
// object, created through the API like any other, so discovery, kubectl and watches all see it.
import type { KubeObject } from './types.ts';

export interface CustomKind {
  readonly group: string;
  readonly kind: string;
  /** Defaults to the lower-cased kind + "s". */
  readonly plural?: string;
  /** Served versions; the first is the storage version. Defaults to ['v1alpha1']. */
  readonly versions?: readonly string[];
  readonly namespaced?: boolean;
  readonly statusSubresource?: boolean;
  readonly shortNames?: readonly string[];
}

export const crdManifest = (c: CustomKind): KubeObject => {
  const plural = c.plural ?? `${c.kind.toLowerCase()}s`;
  const versions = c.versions ?? ['v1alpha1'];
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${c.group}` },
    spec: {
      group: c.group,
      scope: c.namespaced === false ? 'Cluster' : 'Namespaced',
      names: {
        kind: c.kind,
        listKind: `${c.kind}List`,
        plural,
        singular: c.kind.toLowerCase(),
        ...(c.shortNames ? { shortNames: [...c.shortNames] } : {}),
      },
      versions: versions.map((name, i) => ({
        name,
        served: true,
        storage: i === 0,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        ...(c.statusSubresource ? { subresources: { status: {} } } : {}),
      })),
    },
  };
};

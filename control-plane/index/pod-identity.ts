// Pure: who serves an EndpointSlice endpoint, from the pods the Kubernetes source watches. The
// endpoint's targetRef names its pod (set by the EndpointSlice controller); without one, its
// address is looked up among the pod IPs of the same namespace. The pod's service account gives
// the SPIFFE ID the client sidecar expects on the server's certificate.
import { spiffeId } from '../../api/model/spiffe.ts';
import type { PodRecord } from '../sources/types.ts';

export interface EndpointRef {
  readonly namespace: string;
  readonly address: string;
  /** targetRef.name when targetRef.kind is Pod. */
  readonly pod?: string;
}

export interface EndpointOwner {
  readonly workload: string;
  readonly identity: string;
}

export type OwnerOf = (ref: EndpointRef) => EndpointOwner | undefined;

export const podOwners = (pods: ReadonlyMap<string, PodRecord>, trustDomain: string): OwnerOf => {
  const byName = new Map<string, PodRecord>();
  for (const p of pods.values()) byName.set(`${p.namespace}/${p.pod}`, p);
  return (ref) => {
    // A named pod that is not (yet) known gets no identity rather than the one of whichever pod
    // holds the address now (addresses are reused).
    const p = ref.pod !== undefined ? byName.get(`${ref.namespace}/${ref.pod}`) : pods.get(ref.address);
    if (!p || p.namespace !== ref.namespace) return undefined;
    return {
      workload: p.pod,
      identity: spiffeId({ trustDomain, namespace: p.namespace, serviceAccount: p.serviceAccount }),
    };
  };
};

/** targetRef of an endpoint (the schema keeps it as it came): the pod's name, if it names a pod. */
export const podNameOf = (targetRef: unknown): string | undefined => {
  const ref = targetRef as { kind?: unknown; name?: unknown } | null | undefined;
  return ref?.kind === 'Pod' && typeof ref.name === 'string' ? ref.name : undefined;
};

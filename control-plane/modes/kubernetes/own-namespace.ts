// The namespace a Kubernetes-mode control plane runs in: where its Lease and CA Secret live and
// what its SPIFFE ID (the gRPC certificate sidecars verify) names. Taken from where the pod
// actually is, so manifests applied to another namespace need no flag edited.
import { readFileSync } from 'node:fs';

/** Mounted in every pod with a service account token. */
export const IN_CLUSTER_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
export const DEFAULT_NAMESPACE = 'weft-system';

export interface OwnNamespaceInput {
  /** --namespace / WEFT_NAMESPACE: an explicit choice wins. */
  readonly flag?: string;
  /** POD_NAMESPACE, set from the downward API (metadata.namespace) by `weft install`. */
  readonly podNamespace?: string;
  /** Whether the service account mount may be read (--in-cluster). */
  readonly inCluster: boolean;
  readonly readFile?: (path: string) => string;
}

export interface OwnNamespace {
  readonly namespace: string;
  /** Which of the inputs decided, for the start-up log line. */
  readonly from: '--namespace' | 'POD_NAMESPACE' | typeof IN_CLUSTER_NAMESPACE_FILE | 'default';
}

const nonEmpty = (s: string | undefined): string | undefined => (s?.trim() ? s.trim() : undefined);

const inClusterFile = (read: (path: string) => string): string | undefined => {
  try {
    return nonEmpty(read(IN_CLUSTER_NAMESPACE_FILE));
  } catch {
    return undefined; // not in a pod (or no token mounted): fall through to the default
  }
};

export const ownNamespace = (i: OwnNamespaceInput): OwnNamespace => {
  const flag = nonEmpty(i.flag);
  if (flag) return { namespace: flag, from: '--namespace' };
  const pod = nonEmpty(i.podNamespace);
  if (pod) return { namespace: pod, from: 'POD_NAMESPACE' };
  const file = i.inCluster ? inClusterFile(i.readFile ?? ((p) => readFileSync(p, 'utf8'))) : undefined;
  if (file) return { namespace: file, from: IN_CLUSTER_NAMESPACE_FILE };
  return { namespace: DEFAULT_NAMESPACE, from: 'default' };
};

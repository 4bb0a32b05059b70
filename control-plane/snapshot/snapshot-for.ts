// Pure: MeshModel × workload → the ProxySnapshot that workload's sidecar runs. Its version is
// a hash of the content, so an unchanged snapshot is recognised and not sent again.
import { contentHash } from '../../api/convert/stable-json.ts';
import type { ProxySnapshot, ServiceView, WorkloadView } from '../../api/model/snapshot.ts';
import type { MeshModel } from '../index/model.ts';
import { inboundModeFor } from '../index/mtls-mode.ts';

export interface WorkloadRef {
  readonly name: string;
  readonly namespace: string;
  readonly service?: string;
  readonly serviceAccount: string;
}

export const spiffeId = (trustDomain: string, namespace: string, serviceAccount: string): string =>
  `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;

/** The bare name resolves only inside the caller's namespace, as in Kubernetes DNS. */
const visibleFrom = (s: ServiceView, namespace: string): ServiceView =>
  s.namespace === namespace ? s : { ...s, hosts: s.hosts.filter((h) => h !== s.name) };

export interface SnapshotOptions {
  readonly trustDomain: string;
  readonly trustBundle?: readonly string[];
}

interface NamespaceView {
  readonly services: Readonly<Record<string, ServiceView>>;
  readonly hash: string;
}

// Every sidecar of a namespace sees the same services: build and hash them once per model and
// namespace (the model is immutable, so a WeakMap on it is a safe cache).
const namespaceViews = new WeakMap<MeshModel, Map<string, NamespaceView>>();

const servicesFor = (model: MeshModel, namespace: string): NamespaceView => {
  let byNs = namespaceViews.get(model);
  if (!byNs) namespaceViews.set(model, (byNs = new Map()));
  let view = byNs.get(namespace);
  if (!view) {
    const services: Record<string, ServiceView> = {};
    for (const [key, s] of model.services) services[key] = visibleFrom(s, namespace);
    byNs.set(namespace, (view = { services, hash: contentHash(services) }));
  }
  return view;
};

/**
 * The version hashes the workload, the trust bundle and the hash of the services (a Merkle
 * step): equal content still gives an equal version, at the cost of one services hash per namespace.
 */
export const snapshotFor = (model: MeshModel, w: WorkloadRef, opts: SnapshotOptions): ProxySnapshot => {
  let workload: WorkloadView = {
    name: w.name,
    namespace: w.namespace,
    ...(w.service !== undefined ? { service: w.service } : {}),
    serviceAccount: w.serviceAccount,
    identity: spiffeId(opts.trustDomain, w.namespace, w.serviceAccount),
    inboundMode: inboundModeFor(model.mtls, w.namespace, w.service),
  };
  const authz = model.authz[`${w.namespace}/${w.serviceAccount}`];
  if (authz) workload = { ...workload, authz };
  const { services, hash } = servicesFor(model, w.namespace);
  const trustBundle = opts.trustBundle ? { trustBundle: opts.trustBundle } : {};
  return {
    version: contentHash({ workload, services: hash, ...trustBundle }),
    workload,
    services,
    ...trustBundle,
  };
};

// Pure: MeshModel × workload → the ProxySnapshot that workload's sidecar runs. Its version is
// a hash of the content, so an unchanged snapshot is recognised and not sent again.
import { contentHash } from '../../api/convert/stable-json.ts';
import type { ProxySnapshot, ServiceView, WorkloadView } from '../../api/model/snapshot.ts';
import { spiffeId } from '../../api/model/spiffe.ts';
import type { MeshModel } from '../index/model.ts';
import { inboundModeFor } from '../index/mtls-mode.ts';

export interface WorkloadRef {
  readonly name: string;
  readonly namespace: string;
  readonly service?: string;
  readonly serviceAccount: string;
}

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

// Everything below is cached by object, so it is computed once per model and namespace, and an
// unchanged service (the same object across models, control-plane/index/intern.ts) keeps its
// view and hash: a change to one service re-hashes one service per namespace.
const namespaceViews = new WeakMap<MeshModel, Map<string, NamespaceView>>();
const views = new WeakMap<ServiceView, Map<string, ServiceView>>();
const hashes = new WeakMap<ServiceView, string>();

const viewFrom = (s: ServiceView, namespace: string): ServiceView => {
  let byNs = views.get(s);
  if (!byNs) views.set(s, (byNs = new Map()));
  let view = byNs.get(namespace);
  if (!view) byNs.set(namespace, (view = visibleFrom(s, namespace)));
  return view;
};

const hashOf = (view: ServiceView): string => {
  let hash = hashes.get(view);
  if (hash === undefined) hashes.set(view, (hash = contentHash(view)));
  return hash;
};

const servicesFor = (model: MeshModel, namespace: string): NamespaceView => {
  let byNs = namespaceViews.get(model);
  if (!byNs) namespaceViews.set(model, (byNs = new Map()));
  let view = byNs.get(namespace);
  if (!view) {
    const services: Record<string, ServiceView> = {};
    const serviceHashes: Record<string, string> = {};
    const consumer = model.consumerRoutes?.get(namespace);
    for (const [key, s] of model.services) {
      // A consumer route changes with the model, not with the service: no cross-model cache.
      const own = consumer?.get(key);
      services[key] = own ? { ...visibleFrom(s, namespace), httpRoutes: own } : viewFrom(s, namespace);
      serviceHashes[key] = hashOf(services[key]);
    }
    byNs.set(namespace, (view = { services, hash: contentHash(serviceHashes) }));
  }
  return view;
};

/**
 * The version hashes the workload, the trust bundle and the hash of the services' hashes (a
 * Merkle tree of depth two): equal content still gives an equal version.
 */
export const snapshotFor = (model: MeshModel, w: WorkloadRef, opts: SnapshotOptions): ProxySnapshot => {
  let workload: WorkloadView = {
    name: w.name,
    namespace: w.namespace,
    ...(w.service !== undefined ? { service: w.service } : {}),
    serviceAccount: w.serviceAccount,
    identity: spiffeId({
      trustDomain: opts.trustDomain,
      namespace: w.namespace,
      serviceAccount: w.serviceAccount,
    }),
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

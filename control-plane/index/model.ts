// The compiled mesh: every Service with its endpoints, split, policy and faults, ready to be
// cut into per-workload snapshots. Built only by build-model.ts; immutable afterwards.
import type { AuthzView } from '../../api/model/authz.ts';
import type { HttpRouteTableView } from '../../api/model/http-route.ts';
import type { ServiceView } from '../../api/model/snapshot.ts';
import type { RouteStatus } from './gateway-status.ts';
import type { MtlsModes } from './mtls-mode.ts';
import type { OwnerOf } from './pod-identity.ts';

export interface MeshModel {
  /** Keyed by `namespace/name`, in key order. */
  readonly services: ReadonlyMap<string, ServiceView>;
  /** Inbound authorization by destination service account `namespace/name` (absent = no policy). */
  readonly authz: Readonly<Record<string, AuthzView>>;
  /** `weft.io/mtls-mode` annotations (absent = every workload STRICT). */
  readonly mtls?: MtlsModes;
  /** Gateway API consumer routes: client namespace → Service key → table (replaces the producer one). */
  readonly consumerRoutes?: ReadonlyMap<string, ReadonlyMap<string, HttpRouteTableView>>;
  /** Gateway API route conditions per parent Service, for /status (and the leader's status writes). */
  readonly routeStatus?: readonly RouteStatus[];
}

/** A connected sidecar that serves a Service: an endpoint of it while connected (local mode). */
export interface LocalEndpoint {
  readonly namespace: string;
  readonly service: string;
  readonly workload: string;
  readonly address: string;
  readonly port: number;
  readonly identity: string;
}

export interface BuildOptions {
  /** DNS suffix of service host names (default cluster.local). */
  readonly clusterDomain: string;
  readonly localEndpoints: readonly LocalEndpoint[];
  /**
   * Wall-clock ms at which the control plane first saw this version of a FaultInjection
   * (key `namespace/name@generation`); its spec.duration counts from there.
   */
  readonly firstSeen: (key: string) => number;
  /** Kubernetes mode: the pod (and its SPIFFE ID) behind an EndpointSlice endpoint. */
  readonly ownerOf?: OwnerOf;
}

/** "<file>: <Kind> <namespace>/<name>" — how index issues name the object they concern. */
export const where = (r: {
  origin: string;
  resource: { kind: string; meta: { namespace: string; name: string } };
}) => {
  const { kind, meta } = r.resource;
  // A Namespace has no namespace (the parser's default would only confuse).
  return `${r.origin}: ${kind} ${kind === 'Namespace' ? '' : `${meta.namespace}/`}${meta.name}`;
};

// The typed mesh model that the control plane compiles and every sidecar consumes.
// Immutable once built: sidecars index it on arrival and never rebuild per request.
import type { AuthzView } from './authz.ts';
import type { HttpRouteTableView } from './http-route.ts';
import type { FaultView, TrafficPolicyView } from './policy.ts';

/** How a service port speaks. `http` = HTTP/1.1 or h2c chosen by the caller; `grpc` implies h2. */
export type PortProtocol = 'http' | 'h2c' | 'grpc' | 'tcp';

export interface ServicePort {
  readonly name?: string;
  readonly port: number;
  /** Port on the endpoint (Kubernetes targetPort, resolved to a number). */
  readonly targetPort: number;
  readonly protocol: PortProtocol;
}

export interface Endpoint {
  /** IP address or host name the client sidecar connects to (the server sidecar's inbound listener). */
  readonly address: string;
  readonly port: number;
  /** Workload (pod) name, for metrics and logs. */
  readonly workload?: string;
  /** Expected SPIFFE identity of the server sidecar; checked against its certificate under mTLS. */
  readonly identity?: string;
}

/** One path/header/method matcher, compiled from an SMI HTTPRouteGroup match. All given fields must match. */
export interface RouteMatch {
  readonly name?: string;
  readonly pathRegex?: string;
  readonly methods?: readonly string[];
  /** header name (lower case) → regular expression the value must match */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface SplitBackend {
  /** Service key `namespace/name` of the backend. */
  readonly service: string;
  /** Relative whole-number weight (SMI semantics: 1000/500 means 2:1; 0 sends nothing). */
  readonly weight: number;
}

export interface SplitView {
  /** `namespace/name` of the TrafficSplit object. */
  readonly name: string;
  readonly backends: readonly SplitBackend[];
  /** When present, only requests matching one of these are split; others go to the root service. */
  readonly matches?: readonly RouteMatch[];
}

export interface ServiceView {
  readonly name: string;
  readonly namespace: string;
  /** Names a caller may use in Host/:authority, e.g. catalog, catalog.demo, catalog.demo.svc.cluster.local */
  readonly hosts: readonly string[];
  readonly ports: readonly ServicePort[];
  readonly endpoints: readonly Endpoint[];
  /**
   * Virtual IPs of the Service (Kubernetes spec.clusterIPs). A connection the capture rules
   * redirected to the sidecar is routed by its original destination clusterIP:port first.
   */
  readonly clusterIPs?: readonly string[];
  readonly split?: SplitView;
  /**
   * Gateway API HTTPRoute/GRPCRoute rules attached to this Service (GAMMA); when present they
   * replace `split`. A client's snapshot carries its own namespace's consumer routes here instead.
   */
  readonly httpRoutes?: HttpRouteTableView;
  readonly policy?: TrafficPolicyView;
  readonly faults?: readonly FaultView[];
}

/**
 * How the inbound listener treats callers: STRICT = mesh mTLS only, PERMISSIVE = mTLS or
 * plaintext (callers from outside the mesh). Compiled from the `weft.io/mtls-mode` annotation.
 */
export type MtlsMode = 'STRICT' | 'PERMISSIVE';

export interface WorkloadView {
  readonly name: string;
  readonly namespace: string;
  /** The Service this workload's inbound listener serves, if any. */
  readonly service?: string;
  readonly serviceAccount: string;
  /** SPIFFE ID, spiffe://<trust-domain>/ns/<ns>/sa/<sa> */
  readonly identity: string;
  /** Inbound authorization (SMI TrafficTarget); absent = no policy selects this workload. */
  readonly authz?: AuthzView;
  /** Inbound mTLS mode (Service annotation over Namespace annotation, default STRICT). */
  readonly inboundMode?: MtlsMode;
}

export interface ProxySnapshot {
  /** Content hash of everything below; equal content gives an equal version. */
  readonly version: string;
  readonly workload: WorkloadView;
  /** Keyed by `namespace/name`. */
  readonly services: Readonly<Record<string, ServiceView>>;
  /** PEM roots this sidecar trusts for mesh peers (filled once identity lands). */
  readonly trustBundle?: readonly string[];
}

export const serviceKey = (namespace: string, name: string): string => `${namespace}/${name}`;

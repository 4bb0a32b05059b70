// The sidecar's request path is a stack of small layers over weft's own request/response types.
// Transports (h1, h2, TLS) adapt sockets to these types at the edges; layers never see node:http.
import type { Readable } from 'node:stream';
import type { Endpoint, ServicePort, ServiceView } from '../../api/model/snapshot.ts';

/** Lower-case header names; no pseudo-headers and no hop-by-hop headers. */
export type HeaderMap = Record<string, string | string[] | undefined>;

/** Protocol the app spoke to the sidecar; hops preserve it (http1 stays http1, h2 stays h2). */
export type WireProtocol = 'http1' | 'h2';

export interface MeshRequest {
  readonly protocol: WireProtocol;
  readonly method: string;
  /** host[:port] from Host or :authority */
  readonly authority: string;
  readonly path: string;
  readonly headers: HeaderMap;
  /** null when the request has no body. Consumed once; layers that replay must buffer. */
  readonly body: Readable | null;
  /**
   * HTTP/1.1 Upgrade (e.g. `websocket`): the protocol the client asks to switch to. `body` then
   * carries the raw bytes the client sends after the head, until it closes.
   */
  readonly upgrade?: string;
}

export interface MeshResponse {
  readonly status: number;
  readonly headers: HeaderMap;
  readonly body: Readable | null;
  /** A 101 answer to an Upgrade: the protocol switched to; `body` is the server's raw bytes. */
  readonly upgrade?: string;
  /** Resolves once the body ended; gRPC status travels here. Undefined when there are none. */
  readonly trailers?: Promise<HeaderMap | undefined>;
}

export interface CallCtx {
  /** The destination service resolved from the authority. */
  service: ServiceView;
  /** Backend service chosen by the split layer (defaults to `service`). */
  backend?: ServiceView;
  /** Endpoint chosen by the balancer for the current try. */
  endpoint?: Endpoint;
  /** Endpoints already tried for this request, so retries prefer another one. */
  readonly tried: Set<string>;
  /** Try number, 0 for the first. */
  attempt: number;
  /** Aborted when the caller goes away or the request timeout fires. */
  readonly signal: AbortSignal;
  /** Source identity: service account `namespace/name` of the calling workload. */
  readonly sourceServiceAccount?: string;
  /** Inbound: verified SPIFFE ID of the calling sidecar (mTLS peer certificate), read once per connection. */
  readonly sourceIdentity?: string;
  /** Outbound: the service port the authority's port selected, when it named one. */
  servicePort?: ServicePort;
  /**
   * Outbound capture: the service (and port) the connection's original destination IP:port
   * names. When set, route-match uses it instead of the authority (which may be just an IP).
   * `endpoint`: the destination was a pod IP, so the balancer sends every try to that pod.
   */
  destination?: { readonly service: ServiceView; readonly port?: ServicePort; readonly endpoint?: Endpoint };
  /** Decisions layers made, for headers/metrics/logs (e.g. "fault:abort", "retry:2"). */
  readonly notes: string[];
  /**
   * Layers record their decisions in `notes` for every request, not only `x-weft-debug` ones: set
   * by the tracing and access-log layers (off by default) so spans and log lines can name them.
   */
  keepNotes?: boolean;
  /** Name of the TrafficPolicy route whose rules apply (its HTTPRouteGroup match name), for metrics. */
  route?: string;
}

export type Handler = (req: MeshRequest, ctx: CallCtx) => Promise<MeshResponse>;
export type Layer = (next: Handler) => Handler;

/** compose(a, b, c)(h) = a(b(c(h))): the first layer is the outermost. */
export const compose =
  (...layers: readonly Layer[]): Layer =>
  (inner) =>
    layers.reduceRight<Handler>((next, layer) => layer(next), inner);

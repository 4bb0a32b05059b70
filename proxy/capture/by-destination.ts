// Outbound capture, the decisions (pure; capture.ts acts on them): which mesh Service port a
// captured connection's original destination IP:port is (a clusterIP, or one endpoint's pod IP
// at a target port: headless Services, StatefulSet members), what the first bytes say, and so
// what to do with the connection: the HTTP stack, an opaque TCP tunnel to the service (or to
// that one pod), or straight through to the original destination. Built once per snapshot.
import { isIP } from 'node:net';
import type { Endpoint, ServicePort, ServiceView } from '../../api/model/snapshot.ts';
import { buildRouteIndex, type RouteIndex } from '../layers/route-match.ts';
import { classifyPrefix } from '../transport/detect.ts';

export interface DestinationTarget {
  readonly service: ServiceView;
  readonly port: ServicePort;
  /**
   * Set when the address is a pod IP: that endpoint, and only it, serves the connection (its
   * identity pinned like any endpoint's), whatever splits and the balancer would pick.
   */
  readonly endpoint?: Endpoint;
}

export interface DestinationIndex {
  /** The Service port whose clusterIP:port or pod IP:targetPort this is; undefined otherwise. */
  lookup(address: string, port: number): DestinationTarget | undefined;
  /** Host routing, for HTTP to an address that is neither. */
  readonly hosts: RouteIndex;
}

/** ::ffff:10.0.0.1 → 10.0.0.1, upper-case IPv6 → lower case: one spelling per address. */
export const normalizeIp = (ip: string): string => {
  const a = ip.toLowerCase();
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
};

const keyOf = (address: string, port: number): string => `${normalizeIp(address)}|${port}`;

const sameEndpoint = (a: Endpoint, b: Endpoint): boolean =>
  a.address === b.address && a.port === b.port && a.identity === b.identity;

/**
 * Pod IP:targetPort of every endpoint. Several Services may select one pod (the same endpoint:
 * the first by key wins); two different endpoints claiming one IP:port (sidecars sharing an
 * address, as in local mode on one host) cannot tell which pod is meant, so neither is indexed.
 */
const podTargets = (services: Readonly<Record<string, ServiceView>>, keys: readonly string[]) => {
  const byPod = new Map<string, DestinationTarget | null>();
  for (const key of keys) {
    const service = services[key] as ServiceView;
    for (const endpoint of service.endpoints) {
      if (isIP(endpoint.address) === 0) continue;
      for (const port of service.ports) {
        const k = keyOf(endpoint.address, port.targetPort);
        const seen = byPod.get(k);
        if (seen === undefined) byPod.set(k, { service, port, endpoint });
        else if (seen !== null && !sameEndpoint(seen.endpoint as Endpoint, endpoint)) byPod.set(k, null);
      }
    }
  }
  return byPod;
};

/** When two services claim one clusterIP:port (a config error), the first by key wins. */
export const destinationIndex = (services: Readonly<Record<string, ServiceView>>): DestinationIndex => {
  const keys = Object.keys(services).sort();
  const byDst = new Map<string, DestinationTarget>();
  for (const key of keys) {
    const service = services[key] as ServiceView;
    for (const ip of service.clusterIPs ?? [])
      for (const port of service.ports) {
        const k = keyOf(ip, port.port);
        if (!byDst.has(k)) byDst.set(k, { service, port });
      }
  }
  // A virtual IP never is a pod IP; should a config say so, the clusterIP keeps its meaning.
  for (const [k, target] of podTargets(services, keys)) if (target && !byDst.has(k)) byDst.set(k, target);
  return { lookup: (address, port) => byDst.get(keyOf(address, port)), hosts: buildRouteIndex(services) };
};

/** What a connection's first bytes are. `host`: the Host header, when asked for and present. */
export type FirstBytes =
  { readonly kind: 'tls' | 'h2' | 'other' } | { readonly kind: 'http1'; readonly host?: string };

/** A request line starts with a method token (RFC 9110 methods are upper-case letters). */
const METHOD = /^[A-Z]{1,16} /;
const METHOD_PREFIX = /^[A-Z]{1,16}$/;
/** A request head longer than this is not worth waiting for: treat the Host as unknown. */
export const MAX_HEAD_BYTES = 16 * 1024;

const hostHeader = (head: string): string | undefined => {
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === 'host')
      return line.slice(colon + 1).trim();
  }
  return undefined;
};

/**
 * undefined = not enough bytes yet. With `needHost`, an HTTP/1.1 request is only decided once its
 * head is complete (or too long), so its Host can pick the route.
 */
export const firstBytes = (buf: Buffer, needHost: boolean): FirstBytes | undefined => {
  const sniffed = classifyPrefix(buf);
  if (sniffed === 'tls' || sniffed === 'h2') return { kind: sniffed };
  if (sniffed === undefined) return undefined;
  const start = buf.toString('latin1', 0, Math.min(buf.length, 17));
  if (!METHOD.test(start)) return METHOD_PREFIX.test(start) ? undefined : { kind: 'other' };
  if (!needHost) return { kind: 'http1' };
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return buf.length >= MAX_HEAD_BYTES ? { kind: 'http1' } : undefined;
  const host = hostHeader(buf.toString('latin1', 0, end));
  return host === undefined ? { kind: 'http1' } : { kind: 'http1', host };
};

export type Plan =
  /** Into the HTTP stack (the listener's own path); a target pins the route per request. */
  | { readonly action: 'http'; readonly kind: 'http1' | 'h2' }
  /** Opaque TCP to the service's endpoints (through their sidecars, mTLS when configured). */
  | { readonly action: 'tunnel'; readonly target: DestinationTarget }
  /** Plain TCP straight to the original destination: it is not a mesh service. */
  | { readonly action: 'passthrough' };

/** Before any byte: a `tcp` service port is opaque whatever is sent (server-first protocols too). */
export const planBeforeBytes = (target: DestinationTarget | undefined): Plan | undefined =>
  target?.port.protocol === 'tcp' ? { action: 'tunnel', target } : undefined;

/**
 * `first`: undefined when the client said nothing decisive (silence, FIN, too long). `canParse`:
 * false once the client half-closed, as the HTTP parser cannot be handed an ended stream.
 */
export const planFromBytes = (
  target: DestinationTarget | undefined,
  first: FirstBytes | undefined,
  hosts: RouteIndex,
  canParse: boolean,
): Plan => {
  const http = canParse && (first?.kind === 'http1' || first?.kind === 'h2') ? first.kind : undefined;
  if (target) return http ? { action: 'http', kind: http } : { action: 'tunnel', target };
  // Not a mesh address: HTTP/1.1 naming a mesh service in its Host still goes through the mesh.
  if (http === 'http1' && first?.kind === 'http1' && first.host !== undefined && hosts.resolve(first.host))
    return { action: 'http', kind: 'http1' };
  return { action: 'passthrough' };
};

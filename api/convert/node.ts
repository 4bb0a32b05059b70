// The Node a sidecar announces on its first discovery request, checked at the control plane's
// edge. Empty strings are how proto3 says "absent".
import { isIPv6 } from 'node:net';
import { DISCOVERY_PROTOCOL_VERSION, type NodeMessage } from '../proto/discovery.ts';
import type { ConfigIssue, Result } from '../model/result.ts';

export interface NodeInfo {
  readonly workload: string;
  readonly namespace: string;
  readonly service?: string;
  readonly serviceAccount: string;
  readonly inbound?: { readonly host: string; readonly port: number };
  /** The sidecar applies snapshot deltas (SnapshotResponse.base_version). */
  readonly acceptsDelta?: boolean;
  /** The sidecar reads gzip-encoded snapshots (SnapshotResponse.encoding). */
  readonly acceptsGzip?: boolean;
  /** Where the sidecar's Prometheus /metrics listener answers (canary analysis reads it). */
  readonly metrics?: { readonly host: string; readonly port: number };
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/;

/** An IPv6 address is bracketed in host:port, or its colons would run into the port's. */
const hostPart = (host: string): string => (isIPv6(host) ? `[${host}]` : host);

export const nodeToWire = (node: NodeInfo): NodeMessage => ({
  workload: node.workload,
  namespace: node.namespace,
  service: node.service ?? '',
  serviceAccount: node.serviceAccount,
  inboundAddress: node.inbound ? `${hostPart(node.inbound.host)}:${node.inbound.port}` : '',
  protocolVersion: DISCOVERY_PROTOCOL_VERSION,
  acceptsDelta: node.acceptsDelta === true,
  acceptsGzip: node.acceptsGzip === true,
  metricsAddress: node.metrics ? `${hostPart(node.metrics.host)}:${node.metrics.port}` : '',
});

const addressOf = (
  address: string | undefined,
  field: string,
  issues: ConfigIssue[],
): NodeInfo['inbound'] => {
  if (!address) return undefined;
  const m = HOST_PORT.exec(address);
  const port = Number(m?.[2]);
  if (m && port >= 1 && port <= 65_535) return { host: (m[1] ?? '').replace(/^\[|\]$/g, ''), port };
  issues.push({ path: `node.${field}`, message: `must be host:port (got ${address})` });
  return undefined;
};

export const nodeFromWire = (msg: NodeMessage | null | undefined): Result<NodeInfo> => {
  if (!msg) return { ok: false, error: [{ path: 'node', message: 'is required on the first request' }] };
  const issues: ConfigIssue[] = [];
  if (msg.protocolVersion !== DISCOVERY_PROTOCOL_VERSION)
    issues.push({
      path: 'node.protocol_version',
      message: `must be ${DISCOVERY_PROTOCOL_VERSION} (got ${msg.protocolVersion}): upgrade the sidecar or the control plane`,
    });
  if (!msg.workload) issues.push({ path: 'node.workload', message: 'is required' });
  const inbound = addressOf(msg.inboundAddress, 'inbound_address', issues);
  const metrics = addressOf(msg.metricsAddress, 'metrics_address', issues);
  if (issues.length > 0) return { ok: false, error: issues };
  const node: NodeInfo = {
    workload: msg.workload,
    namespace: msg.namespace || 'default',
    serviceAccount: msg.serviceAccount || 'default',
  };
  return {
    ok: true,
    value: {
      ...node,
      ...(msg.service ? { service: msg.service } : {}),
      ...(inbound ? { inbound } : {}),
      ...(metrics ? { metrics } : {}),
      ...(msg.acceptsDelta ? { acceptsDelta: true } : {}),
      ...(msg.acceptsGzip ? { acceptsGzip: true } : {}),
    },
  };
};

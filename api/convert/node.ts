// The Node a sidecar announces on its first discovery request, checked at the control plane's
// edge. Empty strings are how proto3 says "absent".
import { DISCOVERY_PROTOCOL_VERSION, type NodeMessage } from '../proto/discovery.ts';
import type { ConfigIssue, Result } from '../model/result.ts';

export interface NodeInfo {
  readonly workload: string;
  readonly namespace: string;
  readonly service?: string;
  readonly serviceAccount: string;
  readonly inbound?: { readonly host: string; readonly port: number };
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/;

export const nodeToWire = (node: NodeInfo): NodeMessage => ({
  workload: node.workload,
  namespace: node.namespace,
  service: node.service ?? '',
  serviceAccount: node.serviceAccount,
  inboundAddress: node.inbound ? `${node.inbound.host}:${node.inbound.port}` : '',
  protocolVersion: DISCOVERY_PROTOCOL_VERSION,
});

export const nodeFromWire = (msg: NodeMessage | null | undefined): Result<NodeInfo> => {
  if (!msg) return { ok: false, error: [{ path: 'node', message: 'is required on the first request' }] };
  const issues: ConfigIssue[] = [];
  if (msg.protocolVersion !== DISCOVERY_PROTOCOL_VERSION)
    issues.push({
      path: 'node.protocol_version',
      message: `must be ${DISCOVERY_PROTOCOL_VERSION} (got ${msg.protocolVersion}): upgrade the sidecar or the control plane`,
    });
  if (!msg.workload) issues.push({ path: 'node.workload', message: 'is required' });
  let inbound: NodeInfo['inbound'];
  if (msg.inboundAddress) {
    const m = HOST_PORT.exec(msg.inboundAddress);
    const port = Number(m?.[2]);
    if (!m || port < 1 || port > 65_535)
      issues.push({ path: 'node.inbound_address', message: `must be host:port (got ${msg.inboundAddress})` });
    else inbound = { host: (m[1] ?? '').replace(/^\[|\]$/g, ''), port };
  }
  if (issues.length > 0) return { ok: false, error: issues };
  return {
    ok: true,
    value: {
      workload: msg.workload,
      namespace: msg.namespace || 'default',
      ...(msg.service ? { service: msg.service } : {}),
      serviceAccount: msg.serviceAccount || 'default',
      ...(inbound ? { inbound } : {}),
    },
  };
};

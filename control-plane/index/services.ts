// Service resources → ServiceView skeletons: host names, ports with protocol and a numeric
// targetPort, endpoints. Splits, policies and faults are attached afterwards.
import type { ConfigIssue } from '../../api/model/result.ts';
import type { PortProtocol, ServicePort, ServiceView } from '../../api/model/snapshot.ts';
import type { ServicePortSpec } from '../../api/schema/service.ts';
import type { SourcedResource } from '../sources/types.ts';
import type { EndpointIndex } from './endpoints.ts';
import { where } from './model.ts';
import { ofKind } from './select.ts';

const PROTOCOL: Readonly<Record<string, PortProtocol>> = {
  http: 'http',
  h2c: 'h2c',
  'kubernetes.io/h2c': 'h2c',
  grpc: 'grpc',
  tcp: 'tcp',
};

export const hostsOf = (name: string, namespace: string, clusterDomain: string): string[] => [
  name,
  `${name}.${namespace}`,
  `${name}.${namespace}.svc`,
  `${name}.${namespace}.svc.${clusterDomain}`,
];

/**
 * A named targetPort resolves through the endpoints' port of the same service-port name;
 * with none known (sidecar endpoints carry their own port) it falls back to `port`.
 */
const targetPortOf = (p: ServicePortSpec, named: ReadonlyMap<string, number> | undefined): number => {
  if (typeof p.targetPort === 'number') return p.targetPort;
  return (p.name !== undefined ? named?.get(p.name) : undefined) ?? p.port;
};

/** spec.clusterIPs (or the older single clusterIP), without "None" and unallocated "". */
export const clusterIPsOf = (spec: { clusterIP?: string; clusterIPs?: readonly string[] }): string[] => {
  const all = spec.clusterIPs ?? (spec.clusterIP !== undefined ? [spec.clusterIP] : []);
  return [...new Set(all.filter((ip) => ip !== '' && ip !== 'None'))];
};

export const compileServices = (
  all: readonly SourcedResource[],
  endpoints: EndpointIndex,
  clusterDomain: string,
  issues: ConfigIssue[],
): Map<string, ServiceView> => {
  const out = new Map<string, ServiceView>();
  for (const [key, s] of ofKind(all, 'Service', issues)) {
    const { name, namespace } = s.resource.meta;
    const ports: ServicePort[] = [];
    (s.resource.spec.ports ?? []).forEach((p, i) => {
      if (p.protocol !== undefined && p.protocol !== 'TCP') {
        issues.push({
          path: `${where(s)}: spec.ports[${i}].protocol`,
          message: `${p.protocol} is not proxied by weft; this port is skipped`,
        });
        return;
      }
      ports.push({
        ...(p.name !== undefined ? { name: p.name } : {}),
        port: p.port,
        targetPort: targetPortOf(p, endpoints.namedPorts.get(key)),
        protocol: PROTOCOL[p.appProtocol ?? 'http'] ?? 'http',
      });
    });
    const clusterIPs = clusterIPsOf(s.resource.spec);
    out.set(key, {
      name,
      namespace,
      hosts: hostsOf(name, namespace, clusterDomain),
      ports,
      endpoints: endpoints.byService.get(key) ?? [],
      ...(clusterIPs.length > 0 ? { clusterIPs } : {}),
    });
  }
  return out;
};

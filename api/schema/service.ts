// Schema of a core v1 Service as weft reads it: name, ports (port, targetPort, appProtocol) and
// clusterIP(s), the virtual IPs captured traffic is routed by.
// Fields weft does not use but real Services carry are accepted and ignored; typos are not.
import { isIP } from 'node:net';
import { z } from 'zod';
import { INT_OR_STRING, field, oneOf, port, text } from './fields.ts';
import { envelope } from './meta.ts';

export const APP_PROTOCOLS = ['http', 'h2c', 'grpc', 'kubernetes.io/h2c', 'tcp'] as const;

/** targetPort: a port number or the name of a container port (IANA_SVC_NAME). */
const targetPort = field<number | string>(
  'a port number from 1 to 65535 or a port name',
  (v) =>
    (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65_535) ||
    (typeof v === 'string' && /^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/.test(v))
      ? { ok: true, value: v as number | string }
      : { ok: false },
  INT_OR_STRING,
);

/** An IP address; "None" (headless) and "" (not allocated yet) are accepted and carry no address. */
const clusterIp = field<string>(
  'an IPv4 or IPv6 address, "None" or ""',
  (v) =>
    typeof v === 'string' && (v === '' || v === 'None' || isIP(v) !== 0)
      ? { ok: true, value: v }
      : { ok: false },
  { type: 'string' },
);

const servicePort = z.strictObject({
  name: text().optional(),
  port: port(),
  targetPort: targetPort.optional(),
  protocol: oneOf(['TCP', 'UDP', 'SCTP']).optional(),
  appProtocol: oneOf(APP_PROTOCOLS).optional(),
  nodePort: port().optional(),
});
export type ServicePortSpec = z.infer<typeof servicePort>;

const ignored = z.unknown().optional();

export const serviceSchema = envelope(['v1'], 'Service', {
  spec: z.strictObject({
    ports: z.array(servicePort).optional(),
    selector: z.record(z.string(), z.string()).optional(),
    type: oneOf(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']).optional(),
    clusterIP: clusterIp.optional(),
    clusterIPs: z.array(clusterIp).optional(),
    externalIPs: ignored,
    externalName: ignored,
    externalTrafficPolicy: ignored,
    internalTrafficPolicy: ignored,
    ipFamilies: ignored,
    ipFamilyPolicy: ignored,
    healthCheckNodePort: ignored,
    loadBalancerIP: ignored,
    loadBalancerClass: ignored,
    loadBalancerSourceRanges: ignored,
    allocateLoadBalancerNodePorts: ignored,
    publishNotReadyAddresses: ignored,
    sessionAffinity: ignored,
    sessionAffinityConfig: ignored,
    trafficDistribution: ignored,
  }),
});
export type ServiceResource = z.infer<typeof serviceSchema>;

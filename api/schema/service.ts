// Schema of a core v1 Service as weft reads it: name, ports (port, targetPort, appProtocol).
// Fields weft does not use but real Services carry are accepted and ignored; typos are not.
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
    clusterIP: ignored,
    clusterIPs: ignored,
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

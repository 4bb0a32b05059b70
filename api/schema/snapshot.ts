// The wire schema of ProxySnapshot (api/model/snapshot.ts): what a sidecar checks before it
// trusts a pushed snapshot. Objects are loose on purpose: fields a newer control plane adds
// travel through to newer layers instead of failing older sidecars (protobuf's rule for unknown fields).
import { z } from 'zod';
import type { AuthzView } from '../model/authz.ts';
import type { FaultView, TrafficPolicyView } from '../model/policy.ts';
import type { ProxySnapshot } from '../model/snapshot.ts';
import { RETRY_ON } from './traffic-policy.ts';

const count = z.number().int().min(0);
const ms = z.number().min(0);
const port = z.number().int().min(1).max(65_535);
const name = z.string().min(1);
const pct = z.number().min(0).max(100);

const routeMatch = z.looseObject({
  name: z.string().optional(),
  pathRegex: z.string().optional(),
  methods: z.array(z.string()).optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

const retries = z.looseObject({
  attempts: count.min(1),
  perTryTimeoutMs: ms.optional(),
  retryOn: z.array(z.enum(RETRY_ON)),
  retriableStatusCodes: z.array(z.number().int()).optional(),
  backoff: z.looseObject({ baseMs: ms, maxMs: ms }),
  budget: z.looseObject({ ratio: z.number().min(0), minPerSecond: count, windowMs: ms }),
  maxReplayBytes: count,
  retryNonIdempotent: z.boolean(),
});

const rules = {
  timeoutMs: ms.optional(),
  retries: retries.optional(),
  circuitBreaker: z
    .looseObject({ maxConnections: count, maxPendingRequests: count, maxRequests: count, maxRetries: count })
    .optional(),
  outlierDetection: z
    .looseObject({
      consecutive5xx: count,
      consecutiveGatewayErrors: count,
      intervalMs: ms,
      baseEjectionTimeMs: ms,
      maxEjectionPercent: pct,
    })
    .optional(),
};

const connection = z.looseObject({
  connectTimeoutMs: ms,
  handshakeTimeoutMs: ms,
  maxConnectionsPerEndpoint: count.min(1),
  maxPendingRequestsPerEndpoint: count,
});

const policy: z.ZodType<TrafficPolicyView> = z.looseObject({
  name,
  ...rules,
  connection: connection.optional(),
  routes: z.array(z.looseObject({ match: routeMatch, rules: z.looseObject(rules) })).optional(),
});

const fault: z.ZodType<FaultView> = z.looseObject({
  name,
  match: routeMatch.optional(),
  sources: z.array(z.string()).optional(),
  delay: z.looseObject({ fixedMs: ms, percent: pct }).optional(),
  abort: z
    .looseObject({
      httpStatus: z.number().int().optional(),
      grpcStatus: z.number().int().optional(),
      percent: pct,
    })
    .optional(),
  endsAtMs: ms.optional(),
});

const service = z.looseObject({
  name,
  namespace: name,
  hosts: z.array(name),
  ports: z.array(
    z.looseObject({
      name: z.string().optional(),
      port,
      targetPort: port,
      protocol: z.enum(['http', 'h2c', 'grpc', 'tcp']),
    }),
  ),
  endpoints: z.array(
    z.looseObject({ address: name, port, workload: z.string().optional(), identity: z.string().optional() }),
  ),
  clusterIPs: z.array(z.ipv4().or(z.ipv6())).optional(),
  split: z
    .looseObject({
      name,
      backends: z.array(z.looseObject({ service: name, weight: count })),
      matches: z.array(routeMatch).optional(),
    })
    .optional(),
  policy: policy.optional(),
  faults: z.array(fault).optional(),
});

const authz: z.ZodType<AuthzView> = z.looseObject({
  rules: z.array(
    z.looseObject({
      name,
      sources: z.array(z.string()),
      routes: z.array(routeMatch).optional(),
      ports: z.array(port).optional(),
    }),
  ),
});

export const snapshotSchema: z.ZodType<ProxySnapshot> = z.looseObject({
  version: name,
  workload: z.looseObject({
    name,
    namespace: name,
    service: z.string().optional(),
    serviceAccount: name,
    identity: name,
    authz: authz.optional(),
    inboundMode: z.enum(['STRICT', 'PERMISSIVE']).optional(),
  }),
  services: z.record(z.string(), service),
  trustBundle: z.array(z.string()).optional(),
});

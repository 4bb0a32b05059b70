// The wire schema of ProxySnapshot (api/model/snapshot.ts): what a sidecar checks before it
// trusts a pushed snapshot. Objects are loose on purpose: fields a newer control plane adds
// travel through to newer layers instead of failing older sidecars (protobuf's rule for unknown fields).
// Written with zod/mini, the tree-shakable form of zod: a sidecar's bundle then carries ~30 KB of
// zod instead of all of it (~570 KB of code, ~3 MB of heap once loaded); the control plane's
// resource schemas stay on classic zod.
import * as z from 'zod/mini';
import type { AuthzView } from '../model/authz.ts';
import { RETRY_ON, type FaultView, type RetryPolicyView, type TrafficPolicyView } from '../model/policy.ts';
import type { ProxySnapshot } from '../model/snapshot.ts';
import './mini-locale.ts';
import { httpRouteTableSchema } from './snapshot-http-routes.ts';

const count = z.int().check(z.minimum(0));
const ms = z.number().check(z.minimum(0));
const port = z.int().check(z.minimum(1), z.maximum(65_535));
const name = z.string().check(z.minLength(1));
const pct = z.number().check(z.minimum(0), z.maximum(100));
const opt = z.optional;

const routeMatch = z.looseObject({
  name: opt(z.string()),
  pathRegex: opt(z.string()),
  methods: opt(z.array(z.string())),
  headers: opt(z.record(z.string(), z.string())),
});

const retries: z.ZodMiniType<RetryPolicyView> = z.looseObject({
  attempts: z.int().check(z.minimum(1)),
  perTryTimeoutMs: opt(ms),
  retryOn: z.array(z.enum(RETRY_ON)),
  retriableStatusCodes: opt(z.array(z.int())),
  backoff: z.looseObject({ baseMs: ms, maxMs: ms }),
  budget: z.looseObject({ ratio: z.number().check(z.minimum(0)), minPerSecond: count, windowMs: ms }),
  maxReplayBytes: count,
  retryNonIdempotent: z.boolean(),
});

const rules = {
  timeoutMs: opt(ms),
  retries: opt(retries),
  circuitBreaker: opt(
    z.looseObject({
      maxConnections: count,
      maxPendingRequests: count,
      maxRequests: count,
      maxRetries: count,
    }),
  ),
  outlierDetection: opt(
    z.looseObject({
      consecutive5xx: count,
      consecutiveGatewayErrors: count,
      intervalMs: ms,
      baseEjectionTimeMs: ms,
      maxEjectionPercent: pct,
    }),
  ),
};

const connection = z.looseObject({
  connectTimeoutMs: ms,
  handshakeTimeoutMs: ms,
  maxConnectionsPerEndpoint: z.int().check(z.minimum(1)),
  maxPendingRequestsPerEndpoint: count,
});

const policy: z.ZodMiniType<TrafficPolicyView> = z.looseObject({
  name,
  ...rules,
  connection: opt(connection),
  routes: opt(z.array(z.looseObject({ match: routeMatch, rules: z.looseObject(rules) }))),
});

const fault: z.ZodMiniType<FaultView> = z.looseObject({
  name,
  match: opt(routeMatch),
  sources: opt(z.array(z.string())),
  delay: opt(z.looseObject({ fixedMs: ms, percent: pct })),
  abort: opt(z.looseObject({ httpStatus: opt(z.int()), grpcStatus: opt(z.int()), percent: pct })),
  endsAtMs: opt(ms),
});

const service = z.looseObject({
  name,
  namespace: name,
  hosts: z.array(name),
  ports: z.array(
    z.looseObject({
      name: opt(z.string()),
      port,
      targetPort: port,
      protocol: z.enum(['http', 'h2c', 'grpc', 'tcp']),
    }),
  ),
  endpoints: z.array(
    z.looseObject({ address: name, port, workload: opt(z.string()), identity: opt(z.string()) }),
  ),
  clusterIPs: opt(z.array(z.union([z.ipv4(), z.ipv6()]))),
  split: opt(
    z.looseObject({
      name,
      backends: z.array(z.looseObject({ service: name, weight: count })),
      matches: opt(z.array(routeMatch)),
    }),
  ),
  httpRoutes: opt(httpRouteTableSchema(retries)),
  policy: opt(policy),
  faults: opt(z.array(fault)),
});

const authz: z.ZodMiniType<AuthzView> = z.looseObject({
  rules: z.array(
    z.looseObject({
      name,
      sources: z.array(z.string()),
      routes: opt(z.array(routeMatch)),
      ports: opt(z.array(port)),
    }),
  ),
});

export const snapshotSchema: z.ZodMiniType<ProxySnapshot> = z.looseObject({
  version: name,
  workload: z.looseObject({
    name,
    namespace: name,
    service: opt(z.string()),
    serviceAccount: name,
    identity: name,
    authz: opt(authz),
    inboundMode: opt(z.enum(['STRICT', 'PERMISSIVE'])),
  }),
  services: z.record(z.string(), service),
  trustBundle: opt(z.array(z.string())),
});

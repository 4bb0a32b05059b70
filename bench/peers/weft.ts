// weft rows: one sidecar as a plain hop, and the mesh pair (client sidecar → mTLS → server
// sidecar → app), over HTTP/1.1 and for unary gRPC, each from a static snapshot written here, pinned to
// the proxy CPU.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrafficPolicyView } from '../../api/model/policy.ts';
import type { Endpoint, PortProtocol, ProxySnapshot } from '../../api/model/snapshot.ts';
import { SIDECAR_NODE_OPTIONS } from '../../api/runtime/node-flags.ts';
import { extraSidecarFlags } from '../lib/env.ts';
import { weftSidecarMain } from '../lib/weft-build.ts';
import {
  HOST,
  hopAndPair,
  startNodeChild,
  suffix,
  Unavailable,
  type BenchEnv,
  type Protocol,
  type Scenario,
} from '../lib/scenario.ts';
import type { SidecarArgs } from './weft-sidecar-main.ts';

const NEEDED = ['../../proxy/runtime.ts', '../../proxy/discovery/static-source.ts'];

interface SidecarPorts {
  outbound: number;
  inbound: number;
}

/**
 * Every policy layer a production sidecar would run (the condition for the targets): the
 * bench service is split 90/10 between two backends (both the same endpoint, so the upstream is
 * unchanged), and a TrafficPolicy sets a timeout, retries with a budget, a circuit breaker and
 * outlier detection. Metrics are always on.
 */
const BENCH_POLICY: TrafficPolicyView = {
  name: 'bench/policy',
  timeoutMs: 5000,
  retries: {
    attempts: 2,
    retryOn: ['connect-failure', 'refused-stream', 'reset'],
    backoff: { baseMs: 25, maxMs: 250 },
    budget: { ratio: 0.2, minPerSecond: 10, windowMs: 10_000 },
    maxReplayBytes: 65_536,
    retryNonIdempotent: false,
  },
  circuitBreaker: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 },
  outlierDetection: {
    consecutive5xx: 5,
    consecutiveGatewayErrors: 5,
    intervalMs: 10_000,
    baseEjectionTimeMs: 30_000,
    maxEjectionPercent: 50,
  },
};

/** A snapshot with the one bench service, whose endpoint is the app or the server sidecar. */
export const benchSnapshot = (
  workload: string,
  identity: string,
  endpoint: Endpoint,
  protocol: PortProtocol = 'http',
): ProxySnapshot => {
  const ports = [{ name: protocol, port: 80, targetPort: endpoint.port, protocol }];
  const backend = (name: string) => ({ name, namespace: 'bench', hosts: [], ports, endpoints: [endpoint] });
  return {
    version: `bench-${workload}-${protocol}-${endpoint.port}`,
    workload: { name: workload, namespace: 'bench', serviceAccount: workload, identity, service: 'upstream' },
    services: {
      'bench/upstream': {
        name: 'upstream',
        namespace: 'bench',
        hosts: [HOST],
        ports,
        endpoints: [endpoint],
        split: {
          name: 'bench/canary',
          backends: [
            { service: 'bench/upstream-stable', weight: 90 },
            { service: 'bench/upstream-canary', weight: 10 },
          ],
        },
        policy: BENCH_POLICY,
      },
      'bench/upstream-stable': backend('upstream-stable'),
      'bench/upstream-canary': backend('upstream-canary'),
    },
  };
};

const requireSidecar = (): void => {
  const missing = NEEDED.filter((rel) => !existsSync(fileURLToPath(new URL(rel, import.meta.url))));
  if (missing.length)
    throw new Unavailable(`weft sidecar not in this tree yet (missing ${missing.join(', ')})`);
};

const startSidecar = async (
  env: BenchEnv,
  name: string,
  snapshot: ProxySnapshot,
  extra: Omit<SidecarArgs, 'snapshotFile'>,
) => {
  const snapshotFile = join(env.dir, `${name}.snapshot.json`);
  writeFileSync(snapshotFile, JSON.stringify(snapshot, null, 2));
  const args: SidecarArgs = { snapshotFile, ...extra };
  // The same V8 settings the injector gives every sidecar (NODE_OPTIONS there).
  return startNodeChild<SidecarPorts>(
    env,
    name,
    await weftSidecarMain(env.dir),
    [JSON.stringify(args)],
    [...SIDECAR_NODE_OPTIONS.split(' '), ...extraSidecarFlags()],
  );
};

const tlsOf = (env: BenchEnv, side: 'client' | 'server'): SidecarArgs['tls'] => ({
  cert: side === 'client' ? env.certs.clientCert : env.certs.serverCert,
  key: side === 'client' ? env.certs.clientKey : env.certs.serverKey,
  ca: env.certs.caCert,
  identity: side === 'client' ? env.certs.clientIdentity : env.certs.serverIdentity,
});

const rows = (p: Protocol, requestMetrics = true): Scenario[] => {
  // Process names (and their port-file folders) must differ per row: a stale port file of an
  // earlier row would otherwise be read as this row's.
  const sfx = `${requestMetrics ? '' : '-nometrics'}${suffix(p)}`;
  const metricsOff = requestMetrics ? {} : { requestMetrics: false };
  const portProtocol: PortProtocol = p === 'grpc' ? 'grpc' : 'http';
  const appPort = (env: BenchEnv): number => (p === 'grpc' ? env.upstreamGrpcPort : env.upstreamPort);
  const app = (env: BenchEnv): Endpoint => ({ address: '127.0.0.1', port: appPort(env) });
  return hopAndPair(
    requestMetrics ? 'weft' : 'weft-nometrics',
    {
      hop: async (env) => {
        requireSidecar();
        const snapshot = benchSnapshot('client', env.certs.clientIdentity, app(env), portProtocol);
        const hop = await startSidecar(env, `weft-hop${sfx}`, snapshot, { ...metricsOff });
        return { proc: hop.proc, port: hop.info.outbound };
      },
      server: async (env) => {
        requireSidecar();
        const snapshot = benchSnapshot('server', env.certs.serverIdentity, app(env), portProtocol);
        const server = await startSidecar(env, `weft-server${sfx}`, snapshot, {
          appPort: appPort(env),
          tls: tlsOf(env, 'server'),
          inboundMode: 'STRICT',
          ...metricsOff,
        });
        return { proc: server.proc, port: server.info.inbound };
      },
      client: async (env, serverPort) => {
        const peer: Endpoint = {
          address: '127.0.0.1',
          port: serverPort,
          identity: env.certs.serverIdentity,
          workload: 'server',
        };
        const snapshot = benchSnapshot('client', env.certs.clientIdentity, peer, portProtocol);
        const client = await startSidecar(env, `weft-client${sfx}`, snapshot, {
          tls: tlsOf(env, 'client'),
          ...metricsOff,
        });
        return { proc: client.proc, port: client.info.outbound };
      },
    },
    p,
  );
};

/**
 * The pair again with request metrics off: the issue asks that metrics cost at most 10 % of the
 * pair's throughput, so the two pair rows of one run give that ratio.
 */
export const weftScenarios: readonly Scenario[] = [
  ...rows('h1'),
  ...rows('h1', false).filter((s) => s.shape === 'pair'),
];
export const weftGrpcScenarios: readonly Scenario[] = rows('grpc');

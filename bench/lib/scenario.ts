// What a benchmark row is: a way to start some proxies in front of the shared upstream and say
// where the load generator should connect. Peers (nginx, HAProxy, http-proxy) and weft all
// implement this; the runner measures every row the same way.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CertPaths } from './certs.ts';
import { freePort } from './ports.ts';
import { waitForPortFile } from '../../cli/port-file.ts';
import { startPinned, waitForPort, type Pinned } from './processes.ts';

/**
 * `direct` = no proxy; `hop` = one proxy; `pair` = client proxy → (m)TLS → server proxy; `idle` = a
 * process that carries no traffic, measured for its RSS only (node-floor).
 */
export type Shape = 'direct' | 'hop' | 'pair' | 'idle';

/** What the generator speaks: HTTP/1.1, or unary gRPC (h2c from the generator, h2 on every hop). */
export type Protocol = 'h1' | 'grpc';

/** Row-name suffix of a protocol: none for HTTP/1.1, `-grpc` for gRPC. */
export const suffix = (p: Protocol): string => (p === 'grpc' ? '-grpc' : '');

/** Host header every request carries: weft routes by it; the peers ignore it. */
export const HOST = 'bench-upstream';

export interface BenchEnv {
  /** The run's temp dir (configs, certs, logs). */
  readonly dir: string;
  readonly certs: CertPaths;
  readonly upstreamPort: number;
  /** The app as a unary gRPC service over h2c (prior knowledge), for the gRPC rows. */
  readonly upstreamGrpcPort: number;
  /** CPU list for proxies and upstream (taskset -c syntax). */
  readonly proxyCpus: string;
}

export interface Target {
  readonly port: number;
  /** The proxies whose RSS and CPU are this row's figures (none for direct). */
  readonly procs: readonly Pinned[];
  stop(): Promise<void>;
}

export interface Scenario {
  readonly name: string;
  readonly shape: Shape;
  /** Which implementation: none, weft, haproxy, nginx, node-http-proxy. */
  readonly proxy: string;
  readonly tls: boolean;
  readonly protocol: Protocol;
  start(env: BenchEnv): Promise<Target>;
}

/** Thrown by start() when a row cannot run here (e.g. the weft sidecar has not landed yet). */
export class Unavailable extends Error {
  readonly code = 'BENCH_UNAVAILABLE';
}

export const targetOf = (port: number, procs: readonly Pinned[]): Target => ({
  port,
  procs,
  stop: async () => {
    for (const p of [...procs].reverse()) await p.stop();
  },
});

/**
 * Writes a config file into its own sub-directory, starts the process pinned to the proxy CPU
 * and waits until it listens on the port the config names.
 */
export const startConfigured = async (
  env: BenchEnv,
  name: string,
  config: (dir: string, port: number) => string,
  argv: (confPath: string, dir: string) => readonly string[],
): Promise<{ proc: Pinned; port: number }> => {
  const dir = join(env.dir, name);
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const confPath = join(dir, 'proxy.conf');
  writeFileSync(confPath, config(dir, port));
  const proc = startPinned(name, env.proxyCpus, argv(confPath, dir));
  try {
    await waitForPort(proc, port);
  } catch (e) {
    await proc.stop();
    throw e;
  }
  return { proc, port };
};

/**
 * Starts a Node script pinned to the proxy CPU that binds port 0 itself and reports its ports
 * by writing a port file (cli/port-file.ts); resolves with what it wrote.
 */
export const startNodeChild = async <T extends object>(
  env: BenchEnv,
  name: string,
  script: string,
  args: readonly string[],
  nodeFlags: readonly string[] = [],
): Promise<{ proc: Pinned; info: T }> => {
  const dir = join(env.dir, name);
  mkdirSync(dir, { recursive: true });
  const portFile = join(dir, 'ports.json');
  const proc = startPinned(name, env.proxyCpus, [process.execPath, ...nodeFlags, script, ...args, portFile]);
  try {
    const info = await waitForPortFile<T>(portFile, 15_000, proc.alive);
    return { proc, info };
  } catch (e) {
    await proc.stop();
    throw new Error(`${name}: ${(e as Error).message}\n${proc.output()}`, { cause: e });
  }
};

/** One started proxy process and the port the next hop (or the generator) connects to. */
export interface Started {
  readonly proc: Pinned;
  readonly port: number;
}

/** How an implementation starts its hop, and the two ends of its mTLS pair. */
export interface PeerParts {
  hop(env: BenchEnv): Promise<Started>;
  /** TLS in (client certificate required) → the upstream. */
  server(env: BenchEnv): Promise<Started>;
  /** Plain in → TLS with a client certificate to the server end at `serverPort`. */
  client(env: BenchEnv, serverPort: number): Promise<Started>;
}

/**
 * The `<proxy>-hop` and `<proxy>-mtls-pair` rows (suffixed `-grpc` for gRPC), built the same way for
 * every implementation.
 */
export const hopAndPair = (proxy: string, parts: PeerParts, protocol: Protocol = 'h1'): Scenario[] => [
  {
    name: `${proxy}-hop${suffix(protocol)}`,
    shape: 'hop',
    proxy,
    tls: false,
    protocol,
    start: async (env) => {
      const hop = await parts.hop(env);
      return targetOf(hop.port, [hop.proc]);
    },
  },
  {
    name: `${proxy}-mtls-pair${suffix(protocol)}`,
    shape: 'pair',
    proxy,
    tls: true,
    protocol,
    start: async (env) => {
      const server = await parts.server(env);
      const client = await parts.client(env, server.port).catch(async (e: unknown) => {
        await server.proc.stop();
        throw e;
      });
      return targetOf(client.port, [client.proc, server.proc]);
    },
  },
];

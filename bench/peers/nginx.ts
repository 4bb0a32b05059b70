// nginx rows (and the shared upstream app): one worker each, pinned to the proxy CPU; the same
// shapes over HTTP/1.1 (proxy_pass) and for unary gRPC (grpc_pass).
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GRPC_REPLY } from '../lib/grpc-frames.ts';
import { freePort } from '../lib/ports.ts';
import {
  hopAndPair,
  startConfigured,
  suffix,
  type BenchEnv,
  type Protocol,
  type Scenario,
} from '../lib/scenario.ts';
import { GRPC_PATH, hopConf, mtlsClientConf, mtlsServerConf, upstreamConf } from './nginx-conf.ts';

const argv = (conf: string, dir: string): readonly string[] => [
  'nginx',
  '-p',
  dir,
  '-c',
  conf,
  '-e',
  `${dir}/error.log`,
];

const start = (env: BenchEnv, name: string, conf: (dir: string, port: number) => string) =>
  startConfigured(env, name, conf, argv);

/** The app every row ends at; started once per run. */
export const startUpstream = async (env: Omit<BenchEnv, 'upstreamPort' | 'upstreamGrpcPort'>) => {
  const grpcPort = await freePort();
  const grpcRoot = join(env.dir, 'grpc-root');
  mkdirSync(dirname(join(grpcRoot, GRPC_PATH)), { recursive: true, mode: 0o755 });
  writeFileSync(join(grpcRoot, GRPC_PATH), GRPC_REPLY, { mode: 0o644 });
  // nginx workers drop root (www-data): let them traverse the private run dir to the reply file
  chmodSync(env.dir, 0o711);
  const base = { ...env, upstreamPort: 0, upstreamGrpcPort: 0 };
  const started = await start(base, 'upstream-nginx', (dir, port) =>
    upstreamConf(dir, port, grpcPort, grpcRoot),
  );
  return { ...started, grpcPort };
};

const rows = (p: Protocol): Scenario[] => {
  const sfx = suffix(p);
  const app = (env: BenchEnv): number => (p === 'grpc' ? env.upstreamGrpcPort : env.upstreamPort);
  return hopAndPair(
    'nginx',
    {
      hop: (env) => start(env, `nginx-hop${sfx}`, (d, port) => hopConf(d, port, app(env), p)),
      server: (env) =>
        start(env, `nginx-server${sfx}`, (d, port) => mtlsServerConf(d, port, app(env), env.certs, p)),
      client: (env, serverPort) =>
        start(env, `nginx-client${sfx}`, (d, port) => mtlsClientConf(d, port, serverPort, env.certs, p)),
    },
    p,
  );
};

export const nginxScenarios: readonly Scenario[] = rows('h1');
export const nginxGrpcScenarios: readonly Scenario[] = rows('grpc');

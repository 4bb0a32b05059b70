// HAProxy rows: the reference every weft figure is divided by. One thread, pinned to the proxy
// CPU; the same shapes over HTTP/1.1 and for unary gRPC over h2.
import {
  hopAndPair,
  startConfigured,
  suffix,
  type BenchEnv,
  type Protocol,
  type Scenario,
} from '../lib/scenario.ts';
import { hopConf, mtlsClientConf, mtlsServerConf } from './haproxy-conf.ts';

const start = (env: BenchEnv, name: string, conf: (port: number) => string) =>
  startConfigured(
    env,
    name,
    (_dir, port) => conf(port),
    (confPath) => ['haproxy', '-db', '-f', confPath],
  );

const rows = (p: Protocol): Scenario[] => {
  const sfx = suffix(p);
  const app = (env: BenchEnv): number => (p === 'grpc' ? env.upstreamGrpcPort : env.upstreamPort);
  return hopAndPair(
    'haproxy',
    {
      hop: (env) => start(env, `haproxy-hop${sfx}`, (port) => hopConf(port, app(env), p)),
      server: (env) =>
        start(env, `haproxy-server${sfx}`, (port) => mtlsServerConf(port, app(env), env.certs, p)),
      client: (env, serverPort) =>
        start(env, `haproxy-client${sfx}`, (port) => mtlsClientConf(port, serverPort, env.certs, p)),
    },
    p,
  );
};

export const haproxyScenarios: readonly Scenario[] = rows('h1');
export const haproxyGrpcScenarios: readonly Scenario[] = rows('grpc');

// HAProxy rows: the reference every weft figure is divided by. One thread, pinned to the proxy CPU.
import { hopAndPair, startConfigured, type BenchEnv, type Scenario } from '../lib/scenario.ts';
import { hopConf, mtlsClientConf, mtlsServerConf } from './haproxy-conf.ts';

const start = (env: BenchEnv, name: string, conf: (port: number) => string) =>
  startConfigured(
    env,
    name,
    (_dir, port) => conf(port),
    (confPath) => ['haproxy', '-db', '-f', confPath],
  );

export const haproxyScenarios: readonly Scenario[] = hopAndPair('haproxy', {
  hop: (env) => start(env, 'haproxy-hop', (p) => hopConf(p, env.upstreamPort)),
  server: (env) => start(env, 'haproxy-server', (p) => mtlsServerConf(p, env.upstreamPort, env.certs)),
  client: (env, serverPort) => start(env, 'haproxy-client', (p) => mtlsClientConf(p, serverPort, env.certs)),
});

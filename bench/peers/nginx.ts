// nginx rows (and the shared upstream app): one worker each, pinned to the proxy CPU.
import { freePort } from '../lib/ports.ts';
import { hopAndPair, startConfigured, type BenchEnv, type Scenario } from '../lib/scenario.ts';
import { hopConf, mtlsClientConf, mtlsServerConf, upstreamConf } from './nginx-conf.ts';

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
export const startUpstream = async (env: Omit<BenchEnv, 'upstreamPort' | 'upstreamH2Port'>) => {
  const h2Port = await freePort();
  const started = await start({ ...env, upstreamPort: 0, upstreamH2Port: 0 }, 'upstream-nginx', (dir, port) =>
    upstreamConf(dir, port, h2Port),
  );
  return { ...started, h2Port };
};

export const nginxScenarios: readonly Scenario[] = hopAndPair('nginx', {
  hop: (env) => start(env, 'nginx-hop', (d, p) => hopConf(d, p, env.upstreamPort)),
  server: (env) => start(env, 'nginx-server', (d, p) => mtlsServerConf(d, p, env.upstreamPort, env.certs)),
  client: (env, serverPort) =>
    start(env, 'nginx-client', (d, p) => mtlsClientConf(d, p, serverPort, env.certs)),
});

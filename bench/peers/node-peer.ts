// Node peers (node:http + undici, the bare TLS tunnel) start the same way: one pinned Node
// process per end, told its mode, its upstream and its TLS files in one JSON argument.
import { hopAndPair, startNodeChild, type BenchEnv, type Scenario } from '../lib/scenario.ts';
import { strippedScript } from '../lib/stripped.ts';
import type { NodePeerArgs } from './node-peer-process.ts';

/** The `<proxy>-hop` and `<proxy>-mtls-pair` rows of a Node peer whose entry point is `mainUrl`. */
export const nodePeerScenarios = (proxy: string, mainUrl: URL): Scenario[] => {
  const start = async (env: BenchEnv, end: string, args: NodePeerArgs) => {
    const main = strippedScript(env.dir, mainUrl);
    const { proc, info } = await startNodeChild<{ port: number }>(env, `${proxy}-${end}`, main, [
      JSON.stringify(args),
    ]);
    return { proc, port: info.port };
  };
  return hopAndPair(proxy, {
    hop: (env) => start(env, 'hop', { mode: 'hop', upstreamPort: env.upstreamPort }),
    server: (env) =>
      start(env, 'server', {
        mode: 'server',
        upstreamPort: env.upstreamPort,
        tls: { cert: env.certs.serverCert, key: env.certs.serverKey, ca: env.certs.caCert },
      }),
    client: (env, serverPort) =>
      start(env, 'client', {
        mode: 'client',
        upstreamPort: serverPort,
        tls: { cert: env.certs.clientCert, key: env.certs.clientKey, ca: env.certs.caCert },
      }),
  });
};

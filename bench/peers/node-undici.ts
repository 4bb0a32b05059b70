// node:http + undici rows: the hop and the mTLS pair, each end one pinned Node process.
import { fileURLToPath } from 'node:url';
import { hopAndPair, startNodeChild, type BenchEnv, type Scenario } from '../lib/scenario.ts';
import type { UndiciPeerArgs } from './node-undici-main.ts';

const main = fileURLToPath(new URL('./node-undici-main.ts', import.meta.url));

const start = async (env: BenchEnv, name: string, args: UndiciPeerArgs) => {
  const { proc, info } = await startNodeChild<{ port: number }>(env, name, main, [JSON.stringify(args)]);
  return { proc, port: info.port };
};

export const undiciScenarios: readonly Scenario[] = hopAndPair('node-undici', {
  hop: (env) => start(env, 'node-undici-hop', { mode: 'hop', upstreamPort: env.upstreamPort }),
  server: (env) =>
    start(env, 'node-undici-server', {
      mode: 'server',
      upstreamPort: env.upstreamPort,
      tls: { cert: env.certs.serverCert, key: env.certs.serverKey, ca: env.certs.caCert },
    }),
  client: (env, serverPort) =>
    start(env, 'node-undici-client', {
      mode: 'client',
      upstreamPort: serverPort,
      tls: { cert: env.certs.clientCert, key: env.certs.clientKey, ca: env.certs.caCert },
    }),
});

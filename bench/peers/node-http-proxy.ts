// The Node peer row: the http-proxy package in one process, pinned to the proxy CPU. It shows
// what a plain Node reverse proxy costs on this machine, weft's floor on the same runtime.
import { startNodeChild, targetOf, type Scenario } from '../lib/scenario.ts';
import { strippedScript } from '../lib/stripped.ts';

const main = new URL('./node-http-proxy-main.ts', import.meta.url);

export const nodeScenarios: readonly Scenario[] = [
  {
    name: 'node-http-proxy-hop',
    shape: 'hop',
    proxy: 'node-http-proxy',
    tls: false,
    protocol: 'h1',
    start: async (env) => {
      const script = strippedScript(env.dir, main);
      const { proc, info } = await startNodeChild<{ port: number }>(env, 'node-http-proxy', script, [
        String(env.upstreamPort),
      ]);
      return targetOf(info.port, [proc]);
    },
  },
];

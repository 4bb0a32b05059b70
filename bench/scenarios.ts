// Every load row of the benchmark, in the order they run. `direct` comes first: it is the
// baseline every "added latency" figure subtracts.
import { targetOf, type Scenario } from './lib/scenario.ts';
import { haproxyScenarios } from './peers/haproxy.ts';
import { nginxScenarios } from './peers/nginx.ts';
import { nodeScenarios } from './peers/node-http-proxy.ts';
import { weftScenarios } from './peers/weft.ts';

export const direct: Scenario = {
  name: 'direct',
  shape: 'direct',
  proxy: 'none',
  tls: false,
  start: (env) => Promise.resolve(targetOf(env.upstreamPort, [])),
};

export const scenarios: readonly Scenario[] = [
  direct,
  ...weftScenarios,
  ...haproxyScenarios,
  ...nginxScenarios,
  ...nodeScenarios,
];

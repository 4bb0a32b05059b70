// Every load row of the benchmark, in the order they run. `direct` comes first: it is the
// baseline every "added latency" figure subtracts. HAProxy, the reference, runs next and weft
// last, so a row that overloads its proxies cannot disturb the reference. The h2 rows (closed
// loop only) come after all HTTP/1.1 rows.
import { targetOf, type Protocol, type Scenario } from './lib/scenario.ts';
import { haproxyH2Scenarios, haproxyScenarios } from './peers/haproxy.ts';
import { nginxScenarios } from './peers/nginx.ts';
import { nodeScenarios } from './peers/node-http-proxy.ts';
import { weftH2Scenarios, weftScenarios } from './peers/weft.ts';

const direct = (protocol: Protocol): Scenario => ({
  name: protocol === 'h2' ? 'direct-h2' : 'direct',
  shape: 'direct',
  proxy: 'none',
  tls: false,
  protocol,
  start: (env) => Promise.resolve(targetOf(protocol === 'h2' ? env.upstreamH2Port : env.upstreamPort, [])),
});

export const scenarios: readonly Scenario[] = [
  direct('h1'),
  ...haproxyScenarios,
  ...nginxScenarios,
  ...nodeScenarios,
  ...weftScenarios,
  // nginx has no h2 rows: it proxies to upstreams over HTTP/1.x only (h2 only through grpc_pass)
  direct('h2'),
  ...haproxyH2Scenarios,
  ...weftH2Scenarios,
];

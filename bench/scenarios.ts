// Every load row of the benchmark, in the order they run. `direct` comes first: it is the
// baseline every "added latency" figure subtracts; then node-floor (an idle Node process, RSS
// only). HAProxy, the reference, runs next and weft last, so a row that overloads its proxies
// cannot disturb the reference. The gRPC rows (closed
// loop only) come after all HTTP/1.1 rows.
import { suffix, targetOf, type Protocol, type Scenario } from './lib/scenario.ts';
import { haproxyGrpcScenarios, haproxyScenarios } from './peers/haproxy.ts';
import { nginxGrpcScenarios, nginxScenarios } from './peers/nginx.ts';
import { nodeFloorScenario } from './peers/node-floor.ts';
import { nodeScenarios } from './peers/node-http-proxy.ts';
import { tunnelScenarios } from './peers/node-tls-tunnel.ts';
import { undiciScenarios } from './peers/node-undici.ts';
import { weftGrpcScenarios, weftScenarios } from './peers/weft.ts';

const direct = (protocol: Protocol): Scenario => ({
  name: `direct${suffix(protocol)}`,
  shape: 'direct',
  proxy: 'none',
  tls: false,
  protocol,
  start: (env) =>
    Promise.resolve(targetOf(protocol === 'grpc' ? env.upstreamGrpcPort : env.upstreamPort, [])),
});

export const scenarios: readonly Scenario[] = [
  direct('h1'),
  nodeFloorScenario,
  ...haproxyScenarios,
  ...nginxScenarios,
  ...nodeScenarios,
  ...undiciScenarios,
  ...tunnelScenarios,
  ...weftScenarios,
  direct('grpc'),
  ...haproxyGrpcScenarios,
  ...nginxGrpcScenarios,
  ...weftGrpcScenarios,
];

// Builds snapshots and starts sidecars for tests: every port ephemeral, every listener on
// loopback, logs silent, randomness seeded.
import { pino, type Logger } from 'pino';
import type { NodeInfo } from '../../api/convert/node.ts';
import type { Endpoint, ProxySnapshot, ServiceView } from '../../api/model/snapshot.ts';
import { seededRandom, type Clock } from '../../api/runtime/clock.ts';
import type { SnapshotSource } from '../../proxy/discovery/source.ts';
import { staticSource, type StaticSource } from '../../proxy/discovery/static-source.ts';
import { startProxy, type ProxyOptions, type RunningProxy } from '../../proxy/runtime.ts';
import {
  startSidecar as startAssembledSidecar,
  type SidecarOptions,
} from '../../proxy/sidecar/start-sidecar.ts';

export const silent = pino({ level: 'silent' });

export const service = (
  name: string,
  endpoints: readonly Endpoint[],
  extra: Partial<ServiceView> = {},
): ServiceView => ({
  name,
  namespace: 'demo',
  hosts: [name, `${name}.demo`, `${name}.demo.svc.cluster.local`],
  ports: [{ port: 80, targetPort: 8080, protocol: 'http' }],
  endpoints,
  ...extra,
});

let versions = 0;
export const snapshot = (
  workload: { name: string; service?: string },
  services: readonly ServiceView[],
): ProxySnapshot => ({
  version: `v${++versions}`,
  workload: {
    name: workload.name,
    namespace: 'demo',
    service: workload.service,
    serviceAccount: workload.name,
    identity: `spiffe://cluster.local/ns/demo/sa/${workload.name}`,
  },
  services: Object.fromEntries(services.map((s) => [`${s.namespace}/${s.name}`, s])),
});

export interface Sidecar {
  readonly proxy: RunningProxy;
  readonly source: StaticSource;
}

export const startSidecar = async (
  initial: ProxySnapshot | undefined,
  opts: Partial<ProxyOptions> & { appPort: number },
): Promise<Sidecar> => {
  const source = staticSource(initial);
  const proxy = await startProxy({
    source,
    ports: { outbound: 0, inbound: 0, admin: 0, metrics: 0 },
    inboundHost: '127.0.0.1',
    metricsHost: '127.0.0.1',
    logger: silent,
    random: seededRandom(42),
    drainMs: 1_000,
    ...opts,
  });
  return { proxy, source };
};

export interface Pair {
  readonly client: Sidecar;
  readonly server: Sidecar;
  close(): Promise<void>;
}

/**
 * app ← server sidecar ← client sidecar ← (test as the client app). The client sidecar knows one
 * service `name` whose endpoint is the server sidecar's inbound port.
 */
export const startPair = async (
  name: string,
  appPort: number,
  opts: {
    client?: Partial<ProxyOptions>;
    server?: Partial<ProxyOptions>;
    identity?: string;
    /** The rest of the service the client sidecar knows (policy, ports...). */
    service?: Partial<ServiceView>;
  } = {},
): Promise<Pair> => {
  const server = await startSidecar(snapshot({ name: `${name}-server`, service: name }, []), {
    appPort,
    ...opts.server,
  });
  const endpoint: Endpoint = {
    address: '127.0.0.1',
    port: server.proxy.ports.inbound,
    workload: `${name}-server`,
    ...(opts.identity ? { identity: opts.identity } : {}),
  };
  const client = await startSidecar(
    snapshot({ name: `${name}-client` }, [service(name, [endpoint], opts.service)]),
    {
      appPort: 1, // the client side's app is the test itself; nothing calls its inbound port
      ...opts.client,
    },
  );
  return {
    client,
    server,
    close: async () => {
      await client.proxy.close();
      await server.proxy.close();
    },
  };
};

/**
 * startSidecar's options for a sidecar of workload `workload` in `namespace`, every listener on
 * loopback and every port ephemeral; `over` sets the rest (source, identity, app port...).
 */
export const loopbackSidecar = (
  workload: string,
  namespace: string,
  over: Partial<SidecarOptions> = {},
): SidecarOptions => ({
  workload,
  namespace,
  appHost: '127.0.0.1',
  ...{ outboundPort: 0, inboundPort: 0, adminPort: 0, metricsPort: 0 },
  listenHost: '127.0.0.1',
  trustDomain: 'cluster.local',
  ...over,
});

export interface DiscoveredSidecar {
  readonly proxy: RunningProxy;
  /** The snapshots it runs (from the control plane). */
  readonly discovery: SnapshotSource;
  /** Closes the proxy, then ends the discovery stream. */
  close(): Promise<void>;
}

export interface DiscoveredSidecarOptions {
  /** The control plane's gRPC address. */
  readonly address: string;
  readonly node: Omit<NodeInfo, 'inbound'>;
  readonly appPort: number;
  /** Seeds of the proxy's and the discovery client's randomness. */
  readonly seeds: { readonly proxy: number; readonly discovery: number };
  readonly logger?: Logger;
  readonly clock?: Clock;
}

/**
 * A sidecar fed by a control plane over gRPC, assembled as `weft proxy --control-plane` does
 * (startSidecar): ephemeral ports on loopback, 500 ms drain, fast reconnect back-off (20-200 ms).
 */
export const startDiscoveredSidecar = async (o: DiscoveredSidecarOptions): Promise<DiscoveredSidecar> => {
  const sidecar = await startAssembledSidecar(
    loopbackSidecar(o.node.workload, o.node.namespace, {
      controlPlane: o.address,
      serviceAccount: o.node.serviceAccount,
      service: o.node.service,
      appPort: o.appPort,
      random: seededRandom(o.seeds.proxy),
      clock: o.clock,
      drainMs: 500,
      discovery: { random: seededRandom(o.seeds.discovery), backoff: { baseMs: 20, maxMs: 200 } },
    }),
    o.logger ?? silent,
  );
  return { proxy: sidecar.proxy, discovery: sidecar.source, close: () => sidecar.close() };
};

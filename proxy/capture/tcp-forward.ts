// Outbound opaque TCP, the mechanism: a captured connection goes either through a tunnel to one
// endpoint of its service (split by weight, balanced by P2C over open connections, another
// endpoint tried when a connect fails; a pod-IP destination to exactly its pod) or, for
// destinations outside the mesh, straight to where it was going. Bytes already peeked from the
// app are sent first; a connection idle in both directions for idleTimeoutMs is closed.
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Endpoint, ServiceView } from '../../api/model/snapshot.ts';
import type { Random } from '../../api/runtime/clock.ts';
import { candidates, pickP2C, type LoadTracker } from '../layers/balancer.ts';
import { pickWeighted } from '../layers/split.ts';
import type { TcpEvents } from './tcp-metrics.ts';
import { endpointKey } from '../stack/endpoint-health.ts';
import { dialPlain, dialTunnel, type Dialled } from './tcp-dial.ts';
import { abort, splice, TCP_IDLE_TIMEOUT_MS } from './tcp-passthrough.ts';
import type { TlsEvents } from '../transport/tls-events.ts';
import type { TlsMaterial } from '../transport/tls-material.ts';
import type { DestinationTarget } from './by-destination.ts';

export interface TcpForwarderDeps {
  readonly tls?: TlsMaterial;
  readonly tlsEvents?: TlsEvents;
  readonly random: Random;
  /** Shared with the HTTP balancer: a tunnel counts as outstanding work on its endpoint. */
  readonly load: LoadTracker;
  readonly events: TcpEvents;
  readonly logger: Logger;
  /** Services of the active snapshot, to resolve TrafficSplit backends. */
  readonly services: () => Readonly<Record<string, ServiceView>>;
  /** Per connect attempt (default 5 s). */
  readonly connectTimeoutMs?: number;
  /** No byte either way for this long closes the connection (default TCP_IDLE_TIMEOUT_MS). */
  readonly idleTimeoutMs?: number;
}

export interface TcpForwarder {
  toService(down: Socket, target: DestinationTarget, head?: Buffer): Promise<void>;
  toOriginal(down: Socket, dst: { address: string; port: number }, head?: Buffer): Promise<void>;
}

/** Connect attempts per connection: the first endpoint and up to two others. */
const MAX_ATTEMPTS = 3;

/** The split backend for this connection (the service itself without a split). */
export const backendOf = (
  service: ServiceView,
  services: Readonly<Record<string, ServiceView>>,
  random: Random,
): ServiceView | undefined => {
  const backends = (service.split?.backends ?? []).flatMap((b) => {
    const view = services[b.service];
    return view ? [{ view, weight: b.weight }] : [];
  });
  if (backends.length === 0) return service;
  return backends[
    pickWeighted(
      backends.map((b) => b.weight),
      random(),
    )
  ]?.view;
};

export const tcpForwarder = (deps: TcpForwarderDeps): TcpForwarder => {
  const timeoutMs = deps.connectTimeoutMs ?? 5_000;
  const idleMs = deps.idleTimeoutMs ?? TCP_IDLE_TIMEOUT_MS;
  const log = deps.logger.child({ component: 'outbound.tcp' });
  const tls = deps.tls && { material: deps.tls, events: deps.tlsEvents };

  /** Tries endpoints until one connects; undefined when none did. */
  const connectSome = async (
    endpoints: readonly Endpoint[],
    targetPort: number,
  ): Promise<{ up: Dialled; key: string } | undefined> => {
    const tried = new Set<string>();
    for (let i = 0; i < Math.min(MAX_ATTEMPTS, endpoints.length); i++) {
      const e = pickP2C(candidates(endpoints, { tried }), deps.load, deps.random);
      if (!e || tried.has(endpointKey(e))) return undefined;
      const key = endpointKey(e);
      tried.add(key);
      const up = dialTunnel(e, targetPort, timeoutMs, tls);
      try {
        await up.ready;
        return { up, key };
      } catch (err) {
        log.debug({ err, endpoint: key }, 'tunnel connect failed');
      }
    }
    return undefined;
  };

  const run = async (down: Socket, up: Dialled, head?: Buffer, key?: string): Promise<void> => {
    const route = key === undefined ? 'passthrough' : 'mesh';
    deps.events.opened('outbound', route);
    if (key !== undefined) deps.load.start(key);
    const result = await splice(down, up.socket, head, idleMs);
    if (key !== undefined) deps.load.finish(key);
    deps.events.closed('outbound', route, result);
  };

  return {
    toService: async (down, target, head) => {
      // A pod IP names its pod: no split, no balancing, no other endpoint when it fails.
      const endpoints = target.endpoint
        ? [target.endpoint]
        : (backendOf(target.service, deps.services(), deps.random)?.endpoints ?? []);
      if (endpoints.length === 0) {
        deps.events.failed('outbound', 'mesh', 'no_endpoints');
        log.info({ service: `${target.service.namespace}/${target.service.name}` }, 'no endpoints for TCP');
        return abort(down);
      }
      const connected = await connectSome(endpoints, target.port.targetPort);
      if (!connected) {
        deps.events.failed('outbound', 'mesh', 'connect_failed');
        return abort(down);
      }
      await run(down, connected.up, head, connected.key);
    },
    toOriginal: async (down, dst, head) => {
      const up = dialPlain(dst.address, dst.port, timeoutMs);
      try {
        await up.ready;
      } catch (err) {
        deps.events.failed('outbound', 'passthrough', 'connect_failed');
        log.debug({ err, dst }, 'passthrough connect failed');
        return abort(down);
      }
      await run(down, up, head);
    },
  };
};

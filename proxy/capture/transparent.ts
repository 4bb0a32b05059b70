// The sidecar's half of transparent capture, assembled for startProxy (docs/capture.md): the
// outbound listener's hook that routes redirected connections by original destination (HTTP
// stack, opaque tunnel or passthrough), and the inbound listener's handler for tunnels from peers.
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ProxySnapshot, ServiceView } from '../../api/model/snapshot.ts';
import type { Random } from '../../api/runtime/clock.ts';
import { inboundTunnel } from './inbound-tunnel.ts';
import type { LoadTracker } from '../layers/balancer.ts';
import { tcpMetrics } from './tcp-metrics.ts';
import { destinationIndex, type DestinationIndex } from './by-destination.ts';
import { captureDivert } from './divert.ts';
import { tcpForwarder } from './tcp-forward.ts';
import type { ListenerOptions } from '../transport/listener.ts';
import { originalDstReader, type OriginalDstReader } from './original-dst/original-dst.ts';
import type { TlsEvents } from '../transport/tls-events.ts';
import type { TlsMaterial } from '../transport/tls-material.ts';

export interface TransparentOptions {
  /** Default: the native addon's reader; false = no original-destination routing. */
  readonly originalDst?: OriginalDstReader | false;
  readonly tls?: TlsMaterial;
  readonly appHost: string;
  readonly appPort: number;
  /** Opaque TCP (tunnels both ways, passthrough) idle for this long is closed; default 1 h, 0 = never. */
  readonly tcpIdleTimeoutMs?: number;
}

export interface TransparentDeps {
  readonly random: Random;
  readonly load: LoadTracker;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly tlsEvents?: TlsEvents;
}

/** What the running sidecar knows now; read per connection. */
export interface ActiveView {
  snapshot(): ProxySnapshot | undefined;
  destinations(): DestinationIndex | undefined;
}

export interface Transparent {
  readonly outbound: Pick<ListenerOptions, 'divert'>;
  readonly inbound: Pick<ListenerOptions, 'tunnel'>;
}

const NONE = destinationIndex({});

export const transparentCapture = (
  o: TransparentOptions,
  view: ActiveView,
  deps: TransparentDeps,
): Transparent => {
  const events = tcpMetrics(deps.registry);
  const services = (): Readonly<Record<string, ServiceView>> => view.snapshot()?.services ?? {};
  const idle = o.tcpIdleTimeoutMs === undefined ? {} : { idleTimeoutMs: o.tcpIdleTimeoutMs };
  const outbound: Pick<ListenerOptions, 'divert'> =
    o.originalDst === false
      ? {}
      : {
          divert: captureDivert({
            reader: o.originalDst ?? originalDstReader(),
            destinations: () => view.destinations() ?? NONE,
            forward: tcpForwarder({ ...deps, ...(o.tls ? { tls: o.tls } : {}), ...idle, events, services }),
            logger: deps.logger,
          }),
        };
  const tunnel = inboundTunnel({
    snapshot: view.snapshot,
    appHost: o.appHost,
    appPort: o.appPort,
    events,
    logger: deps.logger,
    ...idle,
  });
  return { outbound, inbound: { tunnel } };
};

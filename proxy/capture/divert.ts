// Outbound capture, the listener hook: a connection iptables redirected to the outbound port is
// asked where it was going (SO_ORIGINAL_DST). A clusterIP of a `tcp` Service port is tunnelled
// at once; otherwise the first bytes decide (by-destination.ts) between the HTTP stack, a tunnel
// and plain passthrough. Connections dialled at the port directly keep the Host-routed HTTP path.
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Diverted } from '../transport/listener.ts';
import type { OriginalDstReader } from './original-dst/original-dst.ts';
import { peek, putBack } from '../transport/peek.ts';
import {
  firstBytes,
  planBeforeBytes,
  planFromBytes,
  type DestinationIndex,
  type Plan,
} from './by-destination.ts';
import { keepHalfOpen } from './tcp-passthrough.ts';
import type { TcpForwarder } from './tcp-forward.ts';

export interface CaptureOptions {
  readonly reader: OriginalDstReader;
  /** The active snapshot's index (read per connection: snapshots change while connections wait). */
  readonly destinations: () => DestinationIndex;
  readonly forward: TcpForwarder;
  readonly logger: Logger;
  /** How long a client may stay silent on a service's HTTP port before it is tunnelled (10 s). */
  readonly serviceDetectMs?: number;
  /**
   * How long to wait for an HTTP Host on an address outside the mesh before passing it through
   * (200 ms). Server-first protocols to such addresses start this much later.
   */
  readonly passthroughDetectMs?: number;
}

const TAKEN: Diverted = { taken: true };
const NOT_CAPTURED: Diverted = { taken: false };

/** The `divert` hook of the outbound listener; logs once when the addon is missing. */
export const captureDivert = (o: CaptureOptions): ((socket: Socket) => Promise<Diverted>) => {
  const log = o.logger.child({ component: 'outbound.capture' });
  if (!o.reader.available)
    log.warn(
      { reason: o.reader.reason },
      'original-destination routing is off: captured traffic is routed by Host/:authority only',
    );
  return async (socket) => {
    const dst = o.reader.read(socket);
    if (!dst) return NOT_CAPTURED;
    // Before any byte is read: a FIN right behind the first bytes must not end our side too.
    keepHalfOpen(socket);
    const index = o.destinations();
    const target = index.lookup(dst.address, dst.port);
    const early = planBeforeBytes(target);
    if (early?.action === 'tunnel') {
      o.forward
        .toService(socket, early.target)
        .catch((err: unknown) => log.error({ err }, 'TCP forwarding failed'));
      return TAKEN;
    }
    const seen = await peek(
      socket,
      (buf) => firstBytes(buf, target === undefined),
      target ? (o.serviceDetectMs ?? 10_000) : (o.passthroughDetectMs ?? 200),
    );
    if (seen.gone) {
      socket.destroy();
      return TAKEN;
    }
    const plan: Plan = planFromBytes(target, seen.verdict, index.hosts, !seen.ended);
    log.debug(
      { dst, service: target && `${target.service.namespace}/${target.service.name}`, plan: plan.action },
      'captured',
    );
    if (plan.action === 'http') {
      socket.allowHalfOpen = false; // node:http handles the client's FIN itself
      putBack(socket, seen.bytes);
      return { taken: false, kind: plan.kind, conn: { tls: false, originalDst: dst } };
    }
    const forwarding =
      plan.action === 'tunnel'
        ? o.forward.toService(socket, plan.target, seen.bytes)
        : o.forward.toOriginal(socket, dst, seen.bytes);
    forwarding.catch((err: unknown) => log.error({ err }, 'TCP forwarding failed'));
    return TAKEN;
  };
};

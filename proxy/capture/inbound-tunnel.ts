// Inbound opaque TCP: a peer sidecar's tunnel (ALPN weft-tcp over mTLS, or the plaintext
// preamble) names the app port it is for; the port must be a targetPort of this workload's
// Service (or the app port), and with an authorization policy an L4 rule must admit the caller.
// Then bytes are copied to the app on that port until both sides are done (or it idles out).
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import { authorize } from '../layers/authz.ts';
import type { TcpEvents } from './tcp-metrics.ts';
import type { ConnectionInfo } from '../transport/connection.ts';
import { peek } from '../transport/peek.ts';
import { dialPlain } from './tcp-dial.ts';
import { abort, keepHalfOpen, splice } from './tcp-passthrough.ts';
import { parsePreamble, type Parsed } from './tcp-preamble.ts';

export interface InboundTunnelOptions {
  readonly snapshot: () => ProxySnapshot | undefined;
  readonly appHost: string;
  /** The app's main port: always a valid target, also before any snapshot. */
  readonly appPort: number;
  readonly events: TcpEvents;
  readonly logger: Logger;
  /** For the preamble to arrive (default 5 s) and for the app to accept (default 5 s). */
  readonly preambleMs?: number;
  readonly connectTimeoutMs?: number;
  /** No byte either way for this long closes the tunnel (default TCP_IDLE_TIMEOUT_MS). */
  readonly idleTimeoutMs?: number;
}

/** App ports a tunnel may reach: never an arbitrary local port (admin, other sidecars). */
export const tunnelPorts = (snapshot: ProxySnapshot | undefined, appPort: number): ReadonlySet<number> => {
  const ports = new Set<number>(appPort > 0 ? [appPort] : []);
  const w = snapshot?.workload;
  const own = w?.service === undefined ? undefined : snapshot?.services[`${w.namespace}/${w.service}`];
  for (const p of own?.ports ?? []) ports.add(p.targetPort);
  return ports;
};

/** L4 authorization: only rules without HTTP routes can admit bytes whose requests are unseen. */
export const tunnelAuthorized = (
  snapshot: ProxySnapshot | undefined,
  peerIdentity: string | undefined,
  port: number,
): boolean => {
  const view = snapshot?.workload.authz;
  if (!view) return true;
  const l4 = { rules: view.rules.filter((r) => r.routes === undefined) };
  return authorize(l4, peerIdentity, { method: '', path: '/', headers: {}, port }).allowed;
};

const decided = (buf: Buffer): Parsed | undefined => {
  const p = parsePreamble(buf);
  return p.state === 'incomplete' ? undefined : p;
};

export const inboundTunnel = (o: InboundTunnelOptions): ((socket: Socket, conn: ConnectionInfo) => void) => {
  const log = o.logger.child({ component: 'inbound.tcp' });
  const refuse = (socket: Socket, why: string, fields: object): void => {
    o.events.failed('inbound', 'mesh', 'refused');
    log.info(fields, `tunnel refused: ${why}`);
    abort(socket);
  };
  const serve = async (socket: Socket, conn: ConnectionInfo): Promise<void> => {
    keepHalfOpen(socket); // a FIN may follow the preamble at once
    const seen = await peek(socket, decided, o.preambleMs ?? 5_000);
    const p = seen.verdict;
    if (!p || p.state !== 'done') return refuse(socket, 'no valid preamble', { reason: p });
    const snapshot = o.snapshot();
    const peer = conn.peerIdentity;
    if (!tunnelPorts(snapshot, o.appPort).has(p.port))
      return refuse(socket, 'port is not a target port of this workload', { port: p.port, peer });
    if (!tunnelAuthorized(snapshot, peer, p.port))
      return refuse(socket, 'no authorization rule admits it', { port: p.port, peer });
    const up = dialPlain(o.appHost, p.port, o.connectTimeoutMs ?? 5_000);
    try {
      await up.ready;
    } catch (err) {
      o.events.failed('inbound', 'mesh', 'connect_failed');
      log.info({ err, port: p.port }, 'app refused a tunnelled connection');
      return abort(socket);
    }
    o.events.opened('inbound', 'mesh');
    o.events.closed('inbound', 'mesh', await splice(socket, up.socket, p.rest, o.idleTimeoutMs));
  };
  return (socket, conn) =>
    void serve(socket, conn).catch((err: unknown) => {
      log.error({ err }, 'tunnel failed');
      abort(socket);
    });
};

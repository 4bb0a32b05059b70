// Opaque TCP metrics of one sidecar, declared here: connections by direction, route (mesh: a
// tunnel between sidecars; passthrough: straight to a destination outside the mesh) and result,
// connections open now, and bytes each way. Counted when a connection ends, so long-lived
// connections show in `open` until then.
import { Counter, Gauge, type Registry } from 'prom-client';
import { IDLE_TIMEOUT } from './tcp-passthrough.ts';

export type TcpDirection = 'inbound' | 'outbound';
export type TcpRoute = 'mesh' | 'passthrough';
/**
 * ok: closed cleanly; error: reset or failed midway; idle_timeout: closed after no byte either way
 * for the idle timeout; the rest: never connected.
 */
export type TcpResult = 'ok' | 'error' | 'idle_timeout' | 'connect_failed' | 'no_endpoints' | 'refused';

export interface TcpEvents {
  opened(direction: TcpDirection, route: TcpRoute): void;
  /** After opened(): the connection ended. */
  closed(
    direction: TcpDirection,
    route: TcpRoute,
    r: { sent: number; received: number; error?: Error },
  ): void;
  /** Instead of opened(): the connection never got to its destination. */
  failed(
    direction: TcpDirection,
    route: TcpRoute,
    result: Exclude<TcpResult, 'ok' | 'error' | 'idle_timeout'>,
  ): void;
}

const resultOf = (error: (Error & { code?: unknown }) | undefined): TcpResult =>
  error === undefined ? 'ok' : error.code === IDLE_TIMEOUT ? 'idle_timeout' : 'error';

export const tcpMetrics = (registry: Registry): TcpEvents => {
  const connections = new Counter({
    name: 'weft_tcp_connections_total',
    help: 'Opaque TCP connections by direction, route (mesh tunnel or passthrough) and result.',
    labelNames: ['direction', 'route', 'result'] as const,
    registers: [registry],
  });
  const open = new Gauge({
    name: 'weft_tcp_connections_open',
    help: 'Opaque TCP connections open now.',
    labelNames: ['direction', 'route'] as const,
    registers: [registry],
  });
  const bytes = new Counter({
    name: 'weft_tcp_bytes_total',
    help: 'Bytes of opaque TCP connections; flow=sent is from the connecting side towards the destination.',
    labelNames: ['direction', 'route', 'flow'] as const,
    registers: [registry],
  });
  return {
    opened: (direction, route) => open.inc({ direction, route }),
    closed: (direction, route, r) => {
      open.dec({ direction, route });
      connections.inc({ direction, route, result: resultOf(r.error) });
      bytes.inc({ direction, route, flow: 'sent' }, r.sent);
      bytes.inc({ direction, route, flow: 'received' }, r.received);
    },
    failed: (direction, route, result) => connections.inc({ direction, route, result }),
  };
};

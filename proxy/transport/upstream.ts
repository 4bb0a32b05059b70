// Connection pools to upstream endpoints, shared by every snapshot's stacks so a config change
// never drops warm connections: a keep-alive HTTP/1.1 pool and multiplexed HTTP/2 sessions per
// endpoint (and expected identity): one, more when the peer caps its concurrent streams. With TLS
// material every hop is mesh mTLS. Every new connection has a connect (and handshake) deadline,
// and HTTP/1.1 connections per endpoint are bounded, with a bounded queue of requests waiting for
// one (the service's `connection` policy).
import { connect as h2connect } from 'node:http2';
import { connect as tcpConnect, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { CONNECTION_DEFAULTS, type ConnectionView } from '../../api/model/policy.ts';
import type { Endpoint } from '../../api/model/snapshot.ts';
import { systemClock, type Clock } from '../../api/runtime/clock.ts';
import type { MeshRequest, MeshResponse } from '../stack/types.ts';
import { H1UpstreamPool } from './http1/upstream-pool.ts';
import { onTick } from './http1/tick.ts';
import { sendH2 } from './client-h2.ts';
import { H2SessionPool, type H2Conn } from './h2-session-pool.ts';
import { armDialDeadlines, type DialEvents } from './dial-deadline.ts';
import { H2_CONNECTION_WINDOW, H2_SETTINGS } from './h2-settings.ts';
import { dialMeshTls } from './tls-client.ts';
import type { TlsEvents } from './tls-events.ts';
import type { TlsMaterial } from './tls-material.ts';
import { toMeshError } from './upstream-errors.ts';

export interface Transport {
  /**
   * Sends on the request's own protocol: http1 stays HTTP/1.1, h2 stays HTTP/2. `connection`
   * (default CONNECTION_DEFAULTS) sets the deadlines of any connection this request opens and
   * the bounds it is admitted under.
   */
  send(
    req: MeshRequest,
    endpoint: Endpoint,
    signal: AbortSignal,
    connection?: ConnectionView,
  ): Promise<MeshResponse>;
  close(): Promise<void>;
}

export interface TransportOptions {
  /** When present, hops are mTLS and the server's identity is pinned to endpoint.identity. */
  readonly tls?: TlsMaterial;
  readonly logger: Logger;
  /** Idle connections and sessions are closed after this long (default 60 s). */
  readonly idleMs?: number;
  /** Failed mesh handshakes are reported here (metrics). */
  readonly tlsEvents?: TlsEvents;
  /** Dials that ran out of time are reported here (metrics). */
  readonly dialEvents?: DialEvents;
  /** Times the dial deadlines (default: the system clock). */
  readonly clock?: Clock;
}

// One key string per endpoint object (snapshot data, immutable), not one per request.
const poolKeys = new WeakMap<Endpoint, string>();
const poolKey = (e: Endpoint): string => {
  let k = poolKeys.get(e);
  if (k === undefined) {
    k = `${e.address}:${e.port}|${e.identity ?? ''}`;
    poolKeys.set(e, k);
  }
  return k;
};
const hostPort = (e: Endpoint): string =>
  (e.address.includes(':') ? `[${e.address}]` : e.address) + `:${e.port}`;

export const upstreamTransport = (o: TransportOptions): Transport => {
  const idleMs = o.idleMs ?? 60_000;
  const deadlineDeps = { clock: o.clock ?? systemClock, events: o.dialEvents };
  /** A new connection to `e`, plaintext or mesh mTLS, with the deadlines of `c`. */
  const dial = (e: Endpoint, alpn: 'h2' | 'http/1.1', c: ConnectionView): Socket => {
    const tls = o.tls;
    const socket = tls ? dialMeshTls(tls, e, alpn, o.tlsEvents) : tcpConnect(e.port, e.address);
    armDialDeadlines(socket, tls !== undefined, c, deadlineDeps);
    return socket;
  };
  const pools = new Map<string, H1UpstreamPool>();
  const h2Pools = new Map<string, H2SessionPool>();
  const stopSweep = onTick((tick) => {
    for (const [key, pool] of pools) {
      pool.sweep(tick);
      // An endpoint with no connections left (gone from the snapshot, or just quiet) loses its pool.
      if (pool.size === 0) pools.delete(key);
    }
    for (const [key, pool] of h2Pools) if (pool.size === 0) h2Pools.delete(key);
  });

  const h1Pool = (e: Endpoint): H1UpstreamPool => {
    const key = poolKey(e);
    let pool = pools.get(key);
    if (!pool) {
      const readyEvent = o.tls ? 'secureConnect' : 'connect';
      pool = new H1UpstreamPool({ dial: (c) => dial(e, 'http/1.1', c), readyEvent }, { idleMs, maxIdle: 64 });
      pools.set(key, pool);
    }
    return pool;
  };

  const openH2 = (e: Endpoint, pool: H2SessionPool, c: ConnectionView): H2Conn => {
    const scheme = o.tls ? 'https' : 'http';
    let connected = false;
    const session = h2connect(`${scheme}://${hostPort(e)}`, {
      settings: H2_SETTINGS,
      createConnection: () => dial(e, 'h2', c),
    });
    session.once('connect', () => {
      connected = true;
      session.setLocalWindowSize(H2_CONNECTION_WINDOW);
    });
    // A session that is closing or broken takes no new streams: the next request uses or opens another.
    const forget = (): void => pool.forget(session);
    session.once('goaway', forget);
    session.once('close', forget);
    session.on('error', (err) => {
      o.logger.debug({ err, endpoint: hostPort(e) }, 'upstream h2 session failed');
      forget();
    });
    session.setTimeout(idleMs, () => session.close());
    return { session, scheme, label: hostPort(e), connected: () => connected, active: 0 };
  };

  const h2Conn = (e: Endpoint, c: ConnectionView): H2Conn => {
    const key = poolKey(e);
    let pool = h2Pools.get(key);
    if (!pool) {
      const created = new H2SessionPool((p) => openH2(e, p, c));
      h2Pools.set(key, created);
      pool = created;
    }
    return pool.pick();
  };

  return {
    send: (req, endpoint, signal, connection = CONNECTION_DEFAULTS) => {
      if (req.protocol === 'h2') return sendH2(h2Conn(endpoint, connection), req, signal);
      const mapFailure = (err: unknown, connected: boolean) =>
        toMeshError({ err, connected }, hostPort(endpoint));
      return h1Pool(endpoint).send(req, signal, mapFailure, connection);
    },
    close: async () => {
      stopSweep();
      for (const pool of pools.values()) pool.close();
      pools.clear();
      const closing = [...h2Pools.values()].map((pool) => pool.close());
      h2Pools.clear();
      await Promise.all(closing);
    },
  };
};

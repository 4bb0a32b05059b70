// Connection pools to upstream endpoints, shared by every snapshot's stacks so a config change
// never drops warm connections: a keep-alive HTTP/1.1 agent and one multiplexed HTTP/2 session
// per endpoint (and expected identity). With TLS material every hop is mesh mTLS.
import { connect as h2connect } from 'node:http2';
import { connect as tcpConnect } from 'node:net';
import type { Logger } from 'pino';
import type { Endpoint } from '../../api/model/snapshot.ts';
import type { MeshRequest, MeshResponse } from '../stack/types.ts';
import { H1UpstreamPool } from './http1/upstream-pool.ts';
import { onTick } from './http1/tick.ts';
import { sendH2, type H2Conn } from './client-h2.ts';
import { H2_CONNECTION_WINDOW, H2_SETTINGS } from './h2-settings.ts';
import { dialMeshTls } from './tls-client.ts';
import type { TlsEvents } from './tls-events.ts';
import type { TlsMaterial } from './tls-material.ts';
import { toMeshError } from './upstream-errors.ts';

export interface Transport {
  /** Sends on the request's own protocol: http1 stays HTTP/1.1, h2 stays HTTP/2. */
  send(req: MeshRequest, endpoint: Endpoint, signal: AbortSignal): Promise<MeshResponse>;
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
  const pools = new Map<string, H1UpstreamPool>();
  const sessions = new Map<string, H2Conn>();
  const stopSweep = onTick((tick) => {
    for (const [key, pool] of pools) {
      pool.sweep(tick);
      // An endpoint with no connections left (gone from the snapshot, or just quiet) loses its pool.
      if (pool.size === 0) pools.delete(key);
    }
  });

  const h1Pool = (e: Endpoint): H1UpstreamPool => {
    const key = poolKey(e);
    let pool = pools.get(key);
    if (!pool) {
      const tls = o.tls;
      pool = new H1UpstreamPool(
        tls
          ? { dial: () => dialMeshTls(tls, e, 'http/1.1', o.tlsEvents), readyEvent: 'secureConnect' }
          : { dial: () => tcpConnect(e.port, e.address), readyEvent: 'connect' },
        { idleMs, maxIdle: 64 },
      );
      pools.set(key, pool);
    }
    return pool;
  };

  const openH2 = (e: Endpoint, key: string): H2Conn => {
    const tls = o.tls;
    const scheme = tls ? 'https' : 'http';
    let connected = false;
    const session = h2connect(`${scheme}://${hostPort(e)}`, {
      settings: H2_SETTINGS,
      createConnection: () => (tls ? dialMeshTls(tls, e, 'h2', o.tlsEvents) : tcpConnect(e.port, e.address)),
    });
    session.once('connect', () => {
      connected = true;
      session.setLocalWindowSize(H2_CONNECTION_WINDOW);
    });
    // A session that is closing or broken takes no new streams: the next request opens another.
    const forget = (): void => {
      if (sessions.get(key)?.session === session) sessions.delete(key);
    };
    session.once('goaway', forget);
    session.once('close', forget);
    session.on('error', (err) => {
      o.logger.debug({ err, endpoint: hostPort(e) }, 'upstream h2 session failed');
      forget();
    });
    session.setTimeout(idleMs, () => session.close());
    return { session, scheme, label: hostPort(e), connected: () => connected };
  };

  const h2Conn = (e: Endpoint): H2Conn => {
    const key = poolKey(e);
    const existing = sessions.get(key);
    if (existing && !existing.session.closed && !existing.session.destroyed) return existing;
    const conn = openH2(e, key);
    sessions.set(key, conn);
    return conn;
  };

  return {
    send: (req, endpoint, signal) =>
      req.protocol === 'h2'
        ? sendH2(h2Conn(endpoint), req, signal)
        : h1Pool(endpoint).send(req, signal, (err, connected) =>
            toMeshError({ err, connected }, hostPort(endpoint)),
          ),
    close: async () => {
      stopSweep();
      for (const pool of pools.values()) pool.close();
      pools.clear();
      const closing = [...sessions.values()].map(
        ({ session }) => new Promise<void>((r) => (session.closed ? r() : session.close(() => r()))),
      );
      sessions.clear();
      await Promise.all(closing);
    },
  };
};

// Connection pools to upstream endpoints, shared by every snapshot's stacks so a config change
// never drops warm connections: a keep-alive HTTP/1.1 agent and one multiplexed HTTP/2 session
// per endpoint (and expected identity). With TLS material every hop is mesh mTLS.
import { Agent } from 'node:http';
import { connect as h2connect } from 'node:http2';
import { connect as tcpConnect } from 'node:net';
import type { Logger } from 'pino';
import type { Endpoint } from '../../api/model/snapshot.ts';
import type { MeshRequest, MeshResponse } from '../stack/types.ts';
import { sendH1, type H1Pool } from './client-h1.ts';
import { sendH2, type H2Conn } from './client-h2.ts';
import { H2_CONNECTION_WINDOW, H2_SETTINGS } from './h2-settings.ts';
import { dialMeshTls } from './tls-client.ts';
import type { TlsEvents } from './tls-events.ts';
import type { TlsMaterial } from './tls-material.ts';

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

const poolKey = (e: Endpoint): string => `${e.address}:${e.port}|${e.identity ?? ''}`;
const hostPort = (e: Endpoint): string =>
  (e.address.includes(':') ? `[${e.address}]` : e.address) + `:${e.port}`;

export const upstreamTransport = (o: TransportOptions): Transport => {
  const idleMs = o.idleMs ?? 60_000;
  const agents = new Map<string, H1Pool>();
  const sessions = new Map<string, H2Conn>();

  const h1Pool = (e: Endpoint): H1Pool => {
    const key = poolKey(e);
    let pool = agents.get(key);
    if (!pool) {
      const agent = new Agent({ keepAlive: true, maxFreeSockets: 64, timeout: idleMs, scheduling: 'lifo' });
      const tls = o.tls;
      if (tls) agent.createConnection = () => dialMeshTls(tls, e, 'http/1.1', o.tlsEvents);
      pool = { agent, readyEvent: tls ? 'secureConnect' : 'connect' };
      agents.set(key, pool);
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
        : sendH1(h1Pool(endpoint), endpoint, req, signal),
    close: async () => {
      for (const { agent } of agents.values()) agent.destroy();
      agents.clear();
      const closing = [...sessions.values()].map(
        ({ session }) => new Promise<void>((r) => (session.closed ? r() : session.close(() => r()))),
      );
      sessions.clear();
      await Promise.all(closing);
    },
  };
};

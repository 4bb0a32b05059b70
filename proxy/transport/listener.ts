// One listening port of the sidecar (outbound or inbound): accepts TCP, detects TLS / h2c /
// HTTP/1.1 from the first bytes, terminates mTLS when configured, and feeds weft's own HTTP/1.1
// connections (llhttp, http1/server-connection.ts) or node:http2 sessions, which turn requests
// into MeshRequests for the sink.
import type { Http2Server, ServerHttp2Session } from 'node:http2';
import { createServer, type Server, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import {
  connectionOf,
  PLAINTEXT,
  tagConnection,
  type ConnectionInfo,
  type RequestSink,
} from './connection.ts';
import { sniff, type Sniffed } from './detect.ts';
import { serviceAccountKeyOf } from '../../api/model/spiffe.ts';
import { spiffeIdOf } from './peer-identity.ts';
import { H1ServerConnection } from './http1/server-connection.ts';
import { capSendBuffer, SEND_BUFFER_BYTES } from './send-buffer.ts';
import { onTick, ticksOf } from './http1/tick.ts';
import { h2Server } from './server-h2.ts';
import type { TlsEvents } from './tls-events.ts';
import type { TlsMaterial } from './tls-material.ts';
import { meshTlsServer } from './tls-server.ts';
import { TUNNEL_ALPN } from '../capture/tcp-preamble.ts';

/** STRICT: mTLS only. PERMISSIVE: mTLS or plaintext (first byte decides). DISABLE: plaintext only. */
export type InboundMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

/** What a divert hook did with a connection: took it, or handed it back (with what it learned). */
export type Diverted =
  | { readonly taken: true }
  | { readonly taken: false; readonly kind?: Sniffed; readonly conn?: ConnectionInfo };

export interface ListenerOptions {
  readonly host: string;
  readonly port: number;
  /** A function is read per accepted connection, so a new snapshot can change the mode live. */
  readonly mode: InboundMode | (() => InboundMode);
  /** Required unless mode is DISABLE. */
  readonly tls?: TlsMaterial;
  readonly sink: RequestSink;
  readonly logger: Logger;
  /**
   * SO_SNDBUF for every accepted connection (default SEND_BUFFER_BYTES; 0 leaves the kernel's
   * autotuning): bounds what a peer that stops reading holds of the sidecar's output.
   */
  readonly sendBufferBytes?: number;
  /** A connection that says nothing for this long is closed (default 10 s). */
  readonly sniffTimeoutMs?: number;
  /** HTTP/1.1 keep-alive idle limit (default 60 s). */
  readonly h1IdleMs?: number;
  /** Time from a request head's first byte to its end before 408 (default 10 s). */
  readonly h1HeadMs?: number;
  /** Told about every accepted connection and its close (the open-connections gauge). */
  readonly connections?: { opened(): void; closed(): void };
  readonly tlsEvents?: TlsEvents;
  /**
   * Opaque TCP tunnels from peer sidecars: ALPN `weft-tcp` over mTLS, or the plaintext preamble
   * where the mode allows plaintext (proxy/capture/tcp-preamble.ts). Without it they are refused.
   */
  readonly tunnel?: (socket: Socket, conn: ConnectionInfo) => void;
  /**
   * Runs first on every accepted connection (outbound capture, proxy/capture/divert.ts): it may
   * take the socket (opaque TCP, passthrough) or hand it back for the HTTP path.
   */
  readonly divert?: (socket: Socket) => Promise<Diverted>;
  /**
   * Also accept IPv6 here, on the same port (dual-stack pods: ip6tables REDIRECT sends outbound
   * connections to [::1], inbound ones to the pod's IPv6 address). Skipped, with a log line, where
   * the host has no IPv6.
   */
  readonly ipv6Host?: string;
}

export interface Listener {
  readonly port: number;
  /** Stops accepting, lets in-flight requests finish for up to graceMs, then cuts what is left. */
  close(graceMs: number): Promise<void>;
}

interface Servers {
  readonly h1: Set<H1ServerConnection>;
  readonly h2: Http2Server;
  readonly sessions: Set<ServerHttp2Session>;
}

const httpServers = (sink: RequestSink, logger: Logger): Servers => {
  const h2 = h2Server(sink, logger);
  const sessions = new Set<ServerHttp2Session>();
  h2.on('session', (s: ServerHttp2Session) => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  });
  return { h1: new Set(), h2, sessions };
};

/** A keep-alive connection idle this long is closed. */
const H1_IDLE_MS = 60_000;

/** A request head must arrive within this long of its first byte (slowloris), else 408. */
const H1_HEAD_MS = 10_000;

/** Closes HTTP/1.1 connections idle too long, and answers heads that trickle in too slowly. */
const sweepIdle = (connections: Set<H1ServerConnection>, idleMs: number, headMs: number): (() => void) => {
  const idleLimit = ticksOf(idleMs);
  const headLimit = ticksOf(headMs);
  return onTick((tick) => {
    for (const c of connections) {
      if (c.headSince >= 0 && tick - c.headSince >= headLimit) c.headTimedOut();
      else if (c.idle && tick - c.idleSince >= idleLimit) c.socket.destroy();
    }
  });
};

const listen = (server: Server, port: number, host: string, ipv6Only = false): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, ipv6Only }, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });

const KEEP: Diverted = { taken: false };

const divertFirst = (o: ListenerOptions, socket: Socket): Promise<Diverted> =>
  o.divert
    ? o.divert(socket).catch((err: unknown) => {
        o.logger.warn({ err }, 'divert hook failed; connection closed');
        socket.destroy();
        return { taken: true } as const;
      })
    : Promise.resolve(KEEP);

export const startListener = async (o: ListenerOptions): Promise<Listener> => {
  const modeNow = typeof o.mode === 'function' ? o.mode : () => o.mode as InboundMode;
  if (modeNow() !== 'DISABLE' && !o.tls) throw new Error(`inbound mode ${modeNow()} needs TLS material`);
  const servers = httpServers(o.sink, o.logger);
  const sockets = new Set<Socket>();
  const stopSweep = sweepIdle(servers.h1, o.h1IdleMs ?? H1_IDLE_MS, o.h1HeadMs ?? H1_HEAD_MS);
  const toHttp = (socket: Socket, h2: boolean): void => {
    if (h2) servers.h2.emit('connection', socket);
    else {
      const conn = new H1ServerConnection(socket, connectionOf(socket), o.sink, o.logger);
      servers.h1.add(conn);
      socket.once('close', () => servers.h1.delete(conn));
    }
    socket.resume();
  };
  const tlsServer = o.tls
    ? meshTlsServer(
        o.tls,
        (s: TLSSocket) => {
          o.tlsEvents?.inboundConnection(true, true);
          // Identity is read once per connection; every request on it reuses this object.
          const peerIdentity = spiffeIdOf(s.getPeerCertificate());
          const conn = {
            tls: true,
            peerIdentity,
            peerServiceAccount: peerIdentity === undefined ? undefined : serviceAccountKeyOf(peerIdentity),
          };
          if (s.alpnProtocol === TUNNEL_ALPN) return void (o.tunnel ? o.tunnel(s, conn) : s.destroy());
          tagConnection(s, conn);
          toHttp(s, s.alpnProtocol === 'h2');
        },
        o.logger,
        o.tlsEvents,
      )
    : undefined;

  const track = (socket: Socket): void => {
    sockets.add(socket);
    o.connections?.opened();
    socket.once('close', () => {
      sockets.delete(socket);
      o.connections?.closed();
    });
    // Peers reset connections all the time; that must never become an uncaught exception.
    socket.on('error', (err) => o.logger.debug({ err }, 'downstream connection error'));
    socket.setNoDelay(true);
    const sendBuffer = o.sendBufferBytes ?? SEND_BUFFER_BYTES;
    if (sendBuffer > 0) capSendBuffer(socket, sendBuffer);
  };

  const accept = async (socket: Socket): Promise<void> => {
    track(socket);
    const diverted = await divertFirst(o, socket);
    if (diverted.taken) return;
    const kind = diverted.kind ?? (await sniff(socket, o.sniffTimeoutMs ?? 10_000).catch(() => undefined));
    if (kind === undefined) return void socket.destroy();
    const mode = modeNow();
    if (kind === 'tls' && tlsServer && mode !== 'DISABLE') return void tlsServer.emit('connection', socket);
    if (kind === 'tls' || mode === 'STRICT') {
      o.tlsEvents?.inboundConnection(kind === 'tls', false);
      o.logger.debug({ kind, mode }, 'refused a connection the inbound mode does not allow');
      return void socket.destroy();
    }
    o.tlsEvents?.inboundConnection(false, true);
    if (kind === 'tunnel') return void (o.tunnel ? o.tunnel(socket, PLAINTEXT) : socket.destroy());
    tagConnection(socket, diverted.conn ?? PLAINTEXT);
    toHttp(socket, kind === 'h2');
  };
  const server = createServer((socket) => void accept(socket));
  server.on('error', (err) => o.logger.warn({ err }, 'listener error'));
  const port = await listen(server, o.port, o.host);
  const v6 = o.ipv6Host === undefined ? undefined : await listenIpv6(o, port, accept);
  return {
    port,
    close: async (graceMs) => {
      await Promise.all([
        drain(server, servers, sockets, graceMs),
        v6 && new Promise<void>((r) => v6.close(() => r())),
      ]);
      stopSweep();
    },
  };
};

/** The IPv6 twin of a listener (same port, same handler); undefined where IPv6 is unavailable. */
const listenIpv6 = async (
  o: ListenerOptions,
  port: number,
  accept: (socket: Socket) => Promise<void>,
): Promise<Server | undefined> => {
  const server = createServer((socket) => void accept(socket));
  try {
    await listen(server, port, o.ipv6Host as string, true);
  } catch (err) {
    // EADDRNOTAVAIL / EAFNOSUPPORT: no IPv6 here, so nothing can arrive over it.
    o.logger.info({ err, host: o.ipv6Host, port }, 'not listening on IPv6');
    return undefined;
  }
  server.on('error', (err) => o.logger.warn({ err }, 'listener error'));
  return server;
};

const drain = async (server: Server, s: Servers, sockets: Set<Socket>, graceMs: number): Promise<void> => {
  const stopped = new Promise<void>((r) => server.close(() => r()));
  for (const session of s.sessions) session.close(); // GOAWAY: no new streams, in-flight ones finish
  const deadline = Date.now() + graceMs;
  // Keep-alive HTTP/1.1 connections close as soon as they are idle; busy ones after their answer.
  for (const c of s.h1) c.drain();
  while (sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  for (const socket of sockets) socket.destroy();
  await stopped;
};

// Server side of sidecar mTLS for the inbound listener: a tls.Server that is never bound; the
// listener feeds it raw sockets once it has seen a TLS ClientHello. Client certificates are
// required and verified against the trust bundle inside the material's secure context.
import { createServer, type Server, type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { TUNNEL_ALPN } from './tcp-preamble.ts';
import type { TlsEvents } from './tls-events.ts';
import type { TlsMaterial } from './tls-material.ts';

export const meshTlsServer = (
  material: TlsMaterial,
  onSecure: (socket: TLSSocket) => void,
  logger: Logger,
  events?: TlsEvents,
): Server => {
  const server = createServer({
    // The context is taken per handshake so a rotated certificate is used at once.
    SNICallback: (_name, cb) => cb(null, material.secureContext()),
    // The protocol range comes from this server's own context, not the one SNICallback swaps in.
    minVersion: 'TLSv1.3',
    requestCert: true,
    rejectUnauthorized: true,
    // weft-tcp: an opaque TCP tunnel from a peer sidecar (tcp-preamble.ts).
    ALPNProtocols: ['h2', 'http/1.1', TUNNEL_ALPN],
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    if (socket.getProtocol() !== 'TLSv1.3') {
      logger.warn({ protocol: socket.getProtocol() }, 'refused a mesh peer below TLS 1.3');
      events?.handshakeFailed('inbound', 'ERR_TLS_MESH_POLICY');
      socket.destroy();
      return;
    }
    onSecure(socket);
  });
  // A rejected client certificate shows up here too: under TLS 1.3 Node checks it after the
  // handshake and destroys the socket (ECONNRESET), so the client sees only a closed connection.
  server.on('tlsClientError', (err: Error & { code?: string }) => {
    events?.handshakeFailed('inbound', err.code ?? 'UNKNOWN');
    logger.debug({ code: err.code }, 'inbound TLS handshake failed');
  });
  return server;
};

// Server side of sidecar mTLS for the inbound listener: a tls.Server that is never bound; the
// listener feeds it raw sockets once it has seen a TLS ClientHello. Client certificates are
// required and verified against the trust bundle inside the material's secure context.
import { createServer, type SecureContext, type Server, type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { TUNNEL_ALPN } from '../capture/tcp-preamble.ts';
import type { TlsEvents } from './tls-events.ts';
import type { TlsMaterial } from './tls-material.ts';

export const meshTlsServer = (
  material: TlsMaterial,
  onSecure: (socket: TLSSocket) => void,
  logger: Logger,
  events?: TlsEvents,
): Server => {
  const server = createServer({
    requestCert: true,
    rejectUnauthorized: true,
    // weft-tcp: an opaque TCP tunnel from a peer sidecar (tcp-preamble.ts).
    ALPNProtocols: ['h2', 'http/1.1', TUNNEL_ALPN],
  });
  // Every client gets the server's default context: one that sends no server name (SNI) never
  // reaches an SNICallback, so a certificate only handed out there would leave it with a
  // handshake failure. The default is rebuilt, before the handshake starts, whenever the
  // material has rotated, so new connections get the newest certificate and bundle.
  let served: SecureContext | undefined;
  const followRotation = (): void => {
    let latest: SecureContext;
    try {
      latest = material.secureContext();
    } catch (e) {
      // No certificate yet: the handshake fails (no server certificate) and is counted as such.
      logger.warn({ err: (e as Error).message }, 'inbound TLS connection before a certificate');
      return;
    }
    if (latest === served) return;
    server.setSecureContext({ ...material.credentials(), minVersion: 'TLSv1.3' });
    served = latest;
  };
  // Runs before tls.Server's own connection listener, which wraps the socket with that context.
  server.prependListener('connection', followRotation);
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

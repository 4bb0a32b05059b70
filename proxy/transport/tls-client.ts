// Client side of sidecar-to-sidecar mTLS: newest own certificate, ALPN matching the hop's
// protocol, TLS 1.3 only, and the server's SPIFFE ID pinned to the endpoint's expected identity.
import { connect, type TLSSocket } from 'node:tls';
import type { Endpoint } from '../../api/model/snapshot.ts';
import { expectIdentity } from './peer-identity.ts';
import type { TlsEvents } from './tls-events.ts';
import type { TlsMaterial } from './tls-material.ts';

/**
 * Sent as SNI on every mesh connection. The server serves the same certificate whatever the name
 * (or none), so the name carries no meaning; the peer is checked by its SPIFFE ID instead.
 */
export const MESH_SNI = 'weft.mesh';

/** `weft-tcp`: an opaque TCP tunnel (tcp-preamble.ts). */
export type Alpn = 'h2' | 'http/1.1' | 'weft-tcp';

/** Coded like node:tls's own errors, so the hop counts it as a failed connect. */
const policyError = (message: string): Error =>
  Object.assign(new Error(message), { code: 'ERR_TLS_MESH_POLICY' });

export const dialMeshTls = (
  material: TlsMaterial,
  endpoint: Endpoint,
  alpn: Alpn,
  events?: TlsEvents,
): TLSSocket => {
  const socket = connect({
    host: endpoint.address,
    port: endpoint.port,
    servername: MESH_SNI,
    secureContext: material.secureContext(),
    ALPNProtocols: [alpn],
    checkServerIdentity: expectIdentity(endpoint.identity),
  });
  socket.once('secureConnect', () => {
    // A context option cannot express "1.3 only" when the context is built elsewhere: check here.
    if (socket.getProtocol() !== 'TLSv1.3') socket.destroy(policyError('mesh peers must speak TLS 1.3'));
    else if (socket.alpnProtocol !== alpn) socket.destroy(policyError(`peer did not agree to ALPN ${alpn}`));
  });
  if (events) {
    // An error after TCP connected and before the handshake completed is a failed handshake
    // (a refused connection is not); the policy checks above count too.
    let tcpUp = false;
    let secured = false;
    socket.once('connect', () => (tcpUp = true));
    socket.once(
      'secureConnect',
      () => (secured = socket.getProtocol() === 'TLSv1.3' && socket.alpnProtocol === alpn),
    );
    socket.once('error', (err: Error & { code?: string }) => {
      if (tcpUp && !secured) events.handshakeFailed('outbound', err.code ?? 'UNKNOWN');
    });
  }
  return socket;
};

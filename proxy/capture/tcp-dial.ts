// Dialling for opaque TCP: a tunnel to a peer sidecar (mTLS with ALPN weft-tcp when there is TLS
// material, else plain TCP) that starts with the preamble naming the app port, or a plain
// connection to any address (passthrough, the inbound side's app). Resolves once usable.
import { connect, type Socket } from 'node:net';
import type { Endpoint } from '../../api/model/snapshot.ts';
import { preamble, TUNNEL_ALPN } from './tcp-preamble.ts';
import { dialMeshTls } from '../transport/tls-client.ts';
import type { TlsEvents } from '../transport/tls-events.ts';
import type { TlsMaterial } from '../transport/tls-material.ts';

export interface Dialled {
  readonly socket: Socket;
  /** Resolves when connected (and the mTLS handshake passed); rejects on failure or timeout. */
  readonly ready: Promise<void>;
}

const whenReady = (socket: Socket, event: 'connect' | 'secureConnect', timeoutMs: number): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`no connection within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    const done = (err?: Error): void => {
      clearTimeout(timer);
      socket.off('error', done);
      socket.off('close', onClose);
      socket.off(event, onReady);
      if (err) reject(err);
      else resolve();
    };
    const onClose = (): void => done(new Error('connection closed before it was ready'));
    // dialMeshTls's own secureConnect checks (TLS 1.3, ALPN) run first and may destroy it.
    const onReady = (): void => (socket.destroyed ? onClose() : done());
    socket.once('error', done);
    socket.once('close', onClose);
    socket.once(event, onReady);
  });

export const dialPlain = (address: string, port: number, timeoutMs: number): Dialled => {
  const socket = connect({ host: address, port, allowHalfOpen: true, noDelay: true });
  return { socket, ready: whenReady(socket, 'connect', timeoutMs) };
};

/** A tunnel to a peer sidecar's inbound listener for the app's `targetPort`. */
export const dialTunnel = (
  endpoint: Endpoint,
  targetPort: number,
  timeoutMs: number,
  tls?: { readonly material: TlsMaterial; readonly events?: TlsEvents },
): Dialled => {
  if (!tls) {
    const plain = dialPlain(endpoint.address, endpoint.port, timeoutMs);
    plain.socket.write(preamble(targetPort));
    return plain;
  }
  const socket = dialMeshTls(tls.material, endpoint, TUNNEL_ALPN, tls.events);
  socket.allowHalfOpen = true;
  const ready = whenReady(socket, 'secureConnect', timeoutMs);
  // Written after the handshake so nothing is sent to a peer whose identity failed the check.
  return { socket, ready: ready.then(() => void socket.write(preamble(targetPort))) };
};

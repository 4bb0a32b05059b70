// Protocol detection on a fresh connection: peek at the first bytes (TLS record, HTTP/2 prior-
// knowledge preface, a sidecar's opaque TCP tunnel preamble, or anything else = HTTP/1.1), then
// put them back for the real parser.
import type { Socket } from 'node:net';
import { startsLikeTunnel, TUNNEL_MAGIC } from '../capture/tcp-preamble.ts';

export type Sniffed = 'tls' | 'h2' | 'http1' | 'tunnel';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
/** First byte of a TLS handshake record (ContentType handshake = 22). */
const TLS_HANDSHAKE = 0x16;

/** undefined = not enough bytes yet to tell (a strict prefix of the HTTP/2 preface). */
export const classifyPrefix = (buf: Buffer): Sniffed | undefined => {
  if (buf.length === 0) return undefined;
  if (buf[0] === TLS_HANDSHAKE) return 'tls';
  if (startsLikeTunnel(buf)) return buf.length >= TUNNEL_MAGIC.length ? 'tunnel' : undefined;
  const n = Math.min(buf.length, PREFACE.length);
  if (buf.compare(PREFACE, 0, n, 0, n) !== 0) return 'http1';
  return n === PREFACE.length ? 'h2' : undefined;
};

/**
 * Reads until the protocol is known, then unshifts what it read and leaves the socket paused,
 * ready to be handed to a server with `emit('connection', socket)`. Rejects when the peer goes
 * away (or stays silent past `timeoutMs`) before saying enough.
 */
export const sniff = (socket: Socket, timeoutMs: number): Promise<Sniffed> =>
  new Promise((resolve, reject) => {
    let seen: Buffer = Buffer.alloc(0);
    const cleanup = (): void => {
      socket.off('data', onData);
      socket.off('end', onGone);
      socket.off('close', onGone);
      socket.off('error', onGone);
      socket.off('timeout', onTimeout);
      socket.setTimeout(0);
    };
    const onData = (chunk: Buffer): void => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const verdict = classifyPrefix(seen);
      if (verdict === undefined) return;
      cleanup();
      socket.pause();
      socket.unshift(seen);
      resolve(verdict);
    };
    const onGone = (): void => {
      cleanup();
      reject(new Error('connection closed before its protocol could be detected'));
    };
    const onTimeout = (): void => {
      cleanup();
      socket.destroy();
      reject(new Error(`no bytes within ${timeoutMs} ms to detect the protocol`));
    };
    socket.on('data', onData);
    socket.once('end', onGone);
    socket.once('close', onGone);
    socket.once('error', onGone);
    socket.setTimeout(timeoutMs, onTimeout);
  });

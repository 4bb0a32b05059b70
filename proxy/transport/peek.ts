// Reads the first bytes of a fresh connection until a decision function has seen enough, then
// pauses it: the caller puts the bytes back (HTTP parser) or forwards them (opaque TCP). Unlike
// detect.ts's sniff, silence and an early FIN are answers here, not errors: a server-first
// protocol says nothing, and `printf x | nc -N` closes its side right after its bytes.
import type { Socket } from 'node:net';

export interface Peeked<T> {
  /** undefined when the decision function never decided (silence, FIN, limit, error). */
  readonly verdict: T | undefined;
  readonly bytes: Buffer;
  /** The peer half-closed: the bytes cannot be unshifted back, forward them instead. */
  readonly ended: boolean;
  readonly timedOut: boolean;
  /** The connection failed or closed: nothing to do but let it go. */
  readonly gone: boolean;
}

export const peek = <T>(
  socket: Socket,
  decide: (buf: Buffer) => T | undefined,
  timeoutMs: number,
): Promise<Peeked<T>> =>
  new Promise((resolve) => {
    let bytes: Buffer = Buffer.alloc(0);
    const finish = (verdict: T | undefined, flags: Partial<Peeked<T>>): void => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onGone);
      socket.off('error', onGone);
      clearTimeout(timer);
      socket.pause();
      resolve({ verdict, bytes, ended: false, timedOut: false, gone: false, ...flags });
    };
    const onData = (chunk: Buffer): void => {
      bytes = bytes.length === 0 ? chunk : Buffer.concat([bytes, chunk]);
      const verdict = decide(bytes);
      if (verdict !== undefined) finish(verdict, {});
    };
    const onEnd = (): void => finish(undefined, { ended: true });
    const onGone = (): void => finish(undefined, { gone: true });
    // A plain timer, not socket.setTimeout: the caller's own idle timeout stays untouched.
    const timer = setTimeout(() => finish(undefined, { timedOut: true }), timeoutMs);
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onGone);
    socket.once('error', onGone);
    socket.resume();
  });

/** Puts peeked bytes back in front of the socket's stream (only while it has not ended). */
export const putBack = (socket: Socket, bytes: Buffer): void => {
  if (bytes.length > 0) socket.unshift(bytes);
};

// The file descriptor behind a node:net socket. Node has no public API for it: the only way to
// run a socket option Node does not wrap (SO_ORIGINAL_DST) is the libuv handle's `fd`, which is
// an internal (`_handle`) and only meaningful on Unix. Kept in this one place so a Node change
// breaks one function, not every caller.
import type { Socket } from 'node:net';

interface WithHandle {
  readonly _handle?: { readonly fd?: unknown } | null;
}

/** undefined when the socket is closed, not a real TCP handle, or the platform has no fds. */
export const socketFd = (socket: Socket): number | undefined => {
  const fd = (socket as unknown as WithHandle)._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
};

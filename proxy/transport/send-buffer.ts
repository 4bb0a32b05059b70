// Bounds what a peer that stops reading can hold of the sidecar's output in the kernel. Linux
// autotunes a TCP send buffer up to tcp_wmem's maximum (4 MiB by default), so twenty clients that
// never read a large answer made the sidecar encrypt, copy and park megabytes each in one burst,
// and healthy requests waited behind it (test/reliability/slow-peers). With a fixed
// size each such peer holds at most about that much. Node wraps no SO_SNDBUF for TCP, so this
// goes through the native addon; without it the buffers stay autotuned (nothing else changes).
import type { Socket } from 'node:net';
import { loadAddon } from '../capture/original-dst/addon.ts';
import { socketFd } from '../capture/original-dst/socket-fd.ts';

/**
 * What the sidecar asks for per accepted connection (the kernel doubles it for bookkeeping). At a
 * 1 ms in-cluster round trip 512 KiB in flight still carries ~500 MB/s per connection.
 */
export const SEND_BUFFER_BYTES = 256 * 1024;

/** Fixes the socket's send buffer at `bytes`; false when that cannot be done here (no addon, closed). */
export const capSendBuffer = (socket: Socket, bytes = SEND_BUFFER_BYTES): boolean => {
  const addon = loadAddon();
  const fd = socketFd(socket);
  if (!addon.ok || fd === undefined) return false;
  try {
    addon.value.setSendBuffer(fd, bytes);
    return true;
  } catch {
    return false; // EBADF after a close, or a handle that is not a socket: nothing to bound
  }
};

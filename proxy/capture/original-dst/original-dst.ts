// Where a captured connection was really going: the pre-NAT destination that iptables REDIRECT
// rewrote to the sidecar's outbound port. Loads the native addon built from original_dst.c (npm
// install runs node-gyp); without it the sidecar keeps routing by Host/:authority only.
import type { Socket } from 'node:net';
import { loadAddon, type NativeSocketOptions } from './addon.ts';
import { socketFd } from './socket-fd.ts';

export interface OriginalDst {
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
}

export interface OriginalDstReader {
  /** False when the addon could not be loaded; `reason` says why. */
  readonly available: boolean;
  readonly reason?: string;
  /**
   * The destination before NAT, or undefined when the connection was not redirected (it was
   * dialled at the listener itself) or cannot be asked (addon missing, socket already closed).
   */
  read(socket: Socket): OriginalDst | undefined;
}

type Addon = Pick<NativeSocketOptions, 'originalDst'>;

const unavailable = (reason: string): OriginalDstReader => ({
  available: false,
  reason,
  read: () => undefined,
});

/** A connection whose "original" destination is the listener's own address was not NATed. */
const redirected = (socket: Socket, dst: OriginalDst): boolean =>
  !(dst.port === socket.localPort && sameAddress(dst.address, socket.localAddress));

const sameAddress = (a: string, b: string | undefined): boolean =>
  b !== undefined && (a === b || `::ffff:${a}` === b);

export const readerFrom = (addon: Addon): OriginalDstReader => ({
  available: true,
  read: (socket) => {
    const fd = socketFd(socket);
    if (fd === undefined) return undefined;
    try {
      const dst = addon.originalDst(fd);
      return redirected(socket, dst) ? dst : undefined;
    } catch {
      // ENOENT: conntrack has no NAT entry for it (not redirected); anything else (ENOPROTOOPT
      // without netfilter, EBADF after a close) also means "no original destination to use".
      return undefined;
    }
  },
});

let loaded: OriginalDstReader | undefined;

/** Loads the addon once per process. */
export const originalDstReader = (): OriginalDstReader => {
  if (loaded) return loaded;
  const addon = loadAddon();
  loaded = addon.ok ? readerFrom(addon.value) : unavailable(addon.error);
  return loaded;
};

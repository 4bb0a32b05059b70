// Fair shares of the event loop between connections. libuv reads a ready socket up to 32 times
// (64 KiB each) before it looks at the next one, and a TLS socket decrypts and emits all of it in
// that same turn: one bulk transfer can hold the loop for ~2 MiB per socket per turn, and twenty of
// them (clients downloading big answers) for hundreds of milliseconds, while small requests on
// other connections wait. So a connection that has read its share pauses and resumes on
// setImmediate, after the loop has served every other ready socket once.
import type { Socket } from 'node:net';

/**
 * Bytes a connection reads before it yields once. Large enough that the yield (a pause, a resume
 * and one setImmediate) is noise next to the work of the bytes; small enough that twenty busy
 * connections hold the loop for milliseconds, not hundreds (test/reliability/slow-peers).
 */
export const READ_SHARE_BYTES = 16 * 1024;

export class ReadShare {
  private readonly socket: Socket;
  /** False while the connection keeps its socket paused for its own reasons (backpressure). */
  private readonly mayRead: () => boolean;
  private used = 0;
  private yielding = false;

  constructor(socket: Socket, mayRead: () => boolean) {
    this.socket = socket;
    this.mayRead = mayRead;
  }

  /** Counts bytes just read; past the share, yields the loop once. */
  spend(bytes: number): void {
    this.used += bytes;
    if (this.used < READ_SHARE_BYTES || this.yielding) return;
    this.used = 0;
    this.yielding = true;
    this.socket.pause();
    setImmediate(this.resume);
  }

  private readonly resume = (): void => {
    this.yielding = false;
    if (!this.socket.destroyed && this.mayRead()) this.socket.resume();
  };
}

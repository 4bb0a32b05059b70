// Opaque TCP: copies bytes both ways between two sockets until both directions are done.
// Backpressure comes from pipe() (a slow reader pauses the other side); a FIN is forwarded as a
// FIN and the other direction keeps flowing (half-close); a reset on one side resets the other;
// a connection with no byte either way for the idle timeout is reset on both sides.
import type { Socket } from 'node:net';

/**
 * Default idle timeout of opaque TCP (tunnels and passthrough): an hour, so that connections both
 * ends forgot (a peer gone without a FIN) end, while quiet database connections rarely do.
 */
export const TCP_IDLE_TIMEOUT_MS = 3_600_000;

/** The error a splice ends with when it was idle too long (`Spliced.error.code`). */
export const IDLE_TIMEOUT = 'TCP_IDLE_TIMEOUT';

export interface Spliced {
  /** Bytes read from `down` and written upstream. */
  readonly sent: number;
  /** Bytes read from `up` and written downstream. */
  readonly received: number;
  /** Set when either side failed (reset, timeout) rather than closing cleanly. */
  readonly error?: Error;
}

/** Resets (RST) a plain TCP socket, destroys anything else (TLS has no reset of its own). */
export const abort = (s: Socket): void => {
  if (s.destroyed) return;
  try {
    s.resetAndDestroy();
  } catch {
    s.destroy();
  }
};

/** Lets a socket keep writing after its peer sent FIN; must hold on both ends of a splice. */
export const keepHalfOpen = (s: Socket): void => {
  // Node reads the flag when the FIN arrives, so setting it after accept/connect is enough.
  s.allowHalfOpen = true;
};

/**
 * Calls `fail` once no byte has been read from either socket for `idleMs`: every byte copied is
 * read on one side, so this is a connection quiet both ways (or whose reader stopped reading).
 */
const whenIdle = (down: Socket, up: Socket, idleMs: number, fail: (err: Error) => void): void => {
  const timer = setTimeout(
    () => fail(Object.assign(new Error(`no byte either way for ${idleMs} ms`), { code: IDLE_TIMEOUT })),
    idleMs,
  );
  timer.unref();
  const active = (): void => void timer.refresh();
  down.on('data', active);
  up.on('data', active);
  let open = 2;
  const closed = (): void => {
    if (--open === 0) clearTimeout(timer);
  };
  down.once('close', closed);
  up.once('close', closed);
};

/**
 * Pipes `down` ⇄ `up`, sending `head` (bytes already read from `down`, e.g. while detecting its
 * protocol) upstream first. `down` may already have ended (its FIN came while it was peeked).
 * Resolves once both sockets have closed; `idleMs` 0 = no idle timeout.
 */
export const splice = (
  down: Socket,
  up: Socket,
  head?: Buffer,
  idleMs: number = TCP_IDLE_TIMEOUT_MS,
): Promise<Spliced> =>
  new Promise((resolve) => {
    if (down.destroyed || up.destroyed) {
      // One side went away while the other was being connected: there is nothing to copy.
      abort(down);
      abort(up);
      return resolve({ sent: 0, received: 0, error: new Error('closed before the splice began') });
    }
    keepHalfOpen(down);
    keepHalfOpen(up);
    let error: Error | undefined;
    let open = 2;
    const fail = (other: Socket) => (err: Error) => {
      error ??= err;
      abort(other);
    };
    const closed = (): void => {
      if (--open > 0) return;
      resolve({ sent: up.bytesWritten, received: down.bytesWritten, ...(error ? { error } : {}) });
    };
    down.on('error', fail(up));
    up.on('error', fail(down));
    down.once('close', closed);
    up.once('close', closed);
    if (head && head.length > 0) up.write(head);
    // pipe() waits for an 'end' that an ended stream will not emit again: forward the FIN now.
    if (down.readableEnded) up.end();
    else down.pipe(up);
    up.pipe(down);
    if (idleMs > 0)
      whenIdle(down, up, idleMs, (err) => {
        error ??= err;
        abort(down);
        abort(up);
      });
  });

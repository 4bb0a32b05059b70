// Deadlines for a new upstream connection: one for the TCP connect, then one for the mesh TLS
// handshake. Without them a blackholed endpoint (SYNs dropped, or a peer that never answers the
// ClientHello) holds every request sent to it until the kernel gives up, about two minutes later.
import type { Socket } from 'node:net';
import type { Clock, TimerHandle } from '../../api/runtime/clock.ts';

export type DialPhase = 'connect' | 'handshake';

/** Error codes of a dial that ran out of time (upstream-errors.ts maps them to CONNECT_FAILED). */
export const DIAL_TIMEOUT_CODES = {
  connect: 'ERR_WEFT_CONNECT_TIMEOUT',
  handshake: 'ERR_WEFT_TLS_HANDSHAKE_TIMEOUT',
} as const satisfies Record<DialPhase, string>;

export interface DialDeadlines {
  readonly connectTimeoutMs: number;
  /** Counted from the TCP connect; only for TLS sockets. */
  readonly handshakeTimeoutMs: number;
}

/** What the transport reports about dials, for metrics (proxy/metrics/upstream-metrics.ts). */
export interface DialEvents {
  timedOut(phase: DialPhase): void;
}

export interface DialTimeout {
  readonly phase: DialPhase;
  readonly timeoutMs: number;
}

const timeoutError = (phase: DialPhase, timeoutMs: number): Error =>
  Object.assign(
    new Error(
      phase === 'connect'
        ? `no TCP connection within ${timeoutMs} ms`
        : `no TLS handshake within ${timeoutMs} ms`,
    ),
    { code: DIAL_TIMEOUT_CODES[phase], timeoutMs },
  );

/**
 * Arms the deadlines on a socket that is dialling. `tls`: the socket is a TLSSocket, ready at
 * 'secureConnect'. A deadline that fires looks once more after pending I/O has been polled
 * (setImmediate runs after the poll phase), so an event loop that was blocked past the deadline
 * does not fail a connection whose completion is already waiting to be read.
 */
export const armDialDeadlines = (
  socket: Socket,
  tls: boolean,
  d: DialDeadlines,
  deps: { readonly clock: Clock; readonly events?: DialEvents },
): void => {
  let phase: DialPhase | 'ready' = 'connect';
  let timer: TimerHandle | undefined;
  const disarm = (): void => {
    if (timer) deps.clock.clearTimeout(timer);
    timer = undefined;
  };
  const arm = (p: DialPhase, ms: number): void => {
    disarm();
    phase = p;
    timer = deps.clock.setTimeout(
      () =>
        setImmediate(() => {
          if (phase !== p || socket.destroyed) return;
          deps.events?.timedOut(p);
          socket.destroy(timeoutError(p, ms));
        }),
      ms,
    );
    timer.unref?.();
  };
  const ready = (): void => {
    phase = 'ready';
    disarm();
  };
  arm('connect', d.connectTimeoutMs);
  socket.once('connect', () => (tls ? arm('handshake', d.handshakeTimeoutMs) : ready()));
  if (tls) socket.once('secureConnect', ready);
  socket.once('close', ready);
};

type Coded = { readonly code?: unknown; readonly cause?: unknown; readonly timeoutMs?: unknown };

/** The deadline `err` (or its cause: HTTP/2 wraps a session's error in its streams') ran out of. */
export const dialTimeoutOf = (err: unknown): DialTimeout | undefined => {
  let e = err as Coded | undefined;
  for (let depth = 0; e && depth < 3; depth++) {
    const phase =
      e.code === DIAL_TIMEOUT_CODES.connect
        ? 'connect'
        : e.code === DIAL_TIMEOUT_CODES.handshake
          ? 'handshake'
          : undefined;
    if (phase) return { phase, timeoutMs: Number(e.timeoutMs) };
    e = e.cause as Coded | undefined;
  }
  return undefined;
};

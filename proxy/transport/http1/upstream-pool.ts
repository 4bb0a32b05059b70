// Keep-alive HTTP/1.1 connections to one upstream endpoint: the most recently used idle one is
// reused first (its peer is least likely to have timed it out), and connections idle longer than
// idleMs are closed by the once-a-second sweep. Connections are bounded (maxConnectionsPerEndpoint)
// and so is the queue of requests waiting for one (maxPendingRequestsPerEndpoint); past both, a
// request fails at once, as with Envoy's max_connections and max_pending_requests.
import type { Socket } from 'node:net';
import type { ConnectionView } from '../../../api/model/policy.ts';
import type { MeshRequest, MeshResponse } from '../../stack/types.ts';
import { POOL_OVERFLOW } from '../upstream-errors.ts';
import { ticksOf } from './tick.ts';
import { H1UpstreamConnection, type ConnectionOwner } from './upstream-connection.ts';

export interface Dialer {
  /** A new connection, with the deadlines of `c` (the request that needs it). */
  dial(c: ConnectionView): Socket;
  /** 'secureConnect' for mTLS, 'connect' for plaintext. */
  readonly readyEvent: 'connect' | 'secureConnect';
}

export interface UpstreamPoolOptions {
  readonly idleMs: number;
  /** Idle connections kept beyond this are closed at once. */
  readonly maxIdle: number;
}

/** Maps a failed exchange to the error the hop reports (upstream-errors.ts). */
export type FailureMapper = (err: unknown, connected: boolean) => unknown;

interface Attempt {
  readonly req: MeshRequest;
  readonly signal: AbortSignal;
  readonly resolve: (res: MeshResponse) => void;
  readonly reject: (err: unknown) => void;
  readonly mapFailure: FailureMapper;
  /** Bounds the request is admitted under, deadlines of a connection it opens. */
  readonly connection: ConnectionView;
}

interface Waiter {
  readonly attempt: Attempt;
  readonly mayRetryStale: boolean;
  readonly onAbort: () => void;
}

const overflow = (c: ConnectionView): Error =>
  Object.assign(
    new Error(
      `maxPendingRequestsPerEndpoint: ${c.maxPendingRequestsPerEndpoint} requests already wait for one of ` +
        `its ${c.maxConnectionsPerEndpoint} connections (maxConnectionsPerEndpoint)`,
    ),
    { code: POOL_OVERFLOW },
  );

const closedEarly = (): Error =>
  Object.assign(new Error('connection closed before it was ready'), { code: 'ECONNRESET' });

export class H1UpstreamPool implements ConnectionOwner {
  private readonly dialer: Dialer;
  private readonly opts: UpstreamPoolOptions;
  private readonly idle: H1UpstreamConnection[] = [];
  private readonly all = new Set<H1UpstreamConnection>();
  /** Requests waiting for a connection, oldest first. */
  private readonly waiting: Waiter[] = [];

  constructor(dialer: Dialer, opts: UpstreamPoolOptions) {
    this.dialer = dialer;
    this.opts = opts;
  }

  get size(): number {
    return this.all.size;
  }

  send(
    req: MeshRequest,
    signal: AbortSignal,
    mapFailure: FailureMapper,
    connection: ConnectionView,
  ): Promise<MeshResponse> {
    return new Promise((resolve, reject) =>
      this.attempt({ req, signal, resolve, reject, mapFailure, connection }, true),
    );
  }

  private attempt(a: Attempt, mayRetryStale: boolean): void {
    const c = a.connection;
    if (a.signal.aborted) return a.reject(a.signal.reason);
    const reused = mayRetryStale ? this.idle.pop() : undefined;
    if (reused) return this.run(reused, a, true);
    if (this.all.size < c.maxConnectionsPerEndpoint) return this.run(this.open(c), a, mayRetryStale);
    if (this.waiting.length >= c.maxPendingRequestsPerEndpoint)
      return a.reject(a.mapFailure(overflow(c), false));
    const w: Waiter = {
      attempt: a,
      mayRetryStale,
      onAbort: () => {
        const i = this.waiting.indexOf(w);
        if (i >= 0) this.waiting.splice(i, 1);
        a.reject(a.signal.reason);
      },
    };
    a.signal.addEventListener('abort', w.onAbort, { once: true });
    this.waiting.push(w);
  }

  private run(conn: H1UpstreamConnection, a: Attempt, mayRetryStale: boolean): void {
    conn.exchange(a.req, a.signal, {
      resolve: a.resolve,
      reject: (err, connected, stale) => {
        // A keep-alive connection the server closed while idle fails the first write. Nothing was
        // processed, so one retry on a fresh connection is safe when there is no body to replay.
        if (stale && mayRetryStale) this.attempt(a, false);
        else a.reject(a.signal.aborted ? a.signal.reason : a.mapFailure(err, connected));
      },
    });
  }

  /** The oldest waiter, no longer waiting. */
  private nextWaiter(): Waiter | undefined {
    const w = this.waiting.shift();
    w?.attempt.signal.removeEventListener('abort', w.onAbort);
    return w;
  }

  private open(c: ConnectionView): H1UpstreamConnection {
    const conn = new H1UpstreamConnection(this.dialer.dial(c), this.dialer.readyEvent, this);
    this.all.add(conn);
    return conn;
  }

  release(conn: H1UpstreamConnection): void {
    // A freed connection goes straight to the oldest waiter, so a newcomer cannot take it first.
    const w = this.nextWaiter();
    if (w) return this.run(conn, w.attempt, w.mayRetryStale);
    if (this.idle.length >= this.opts.maxIdle) return conn.close();
    this.idle.push(conn);
  }

  forget(conn: H1UpstreamConnection): void {
    this.all.delete(conn);
    const i = this.idle.lastIndexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
    if (this.waiting.length === 0) return;
    // As Envoy does: a connection that could not be established fails every waiting request at
    // once (the caller may retry elsewhere) instead of leaving them to dial the same unresponsive
    // endpoint one after another. Otherwise the freed slot dials for the oldest waiter.
    if (!conn.established) return this.failWaiting(conn.error ?? closedEarly());
    const w = this.nextWaiter();
    if (w) this.run(this.open(w.attempt.connection), w.attempt, w.mayRetryStale);
  }

  private failWaiting(err: Error): void {
    for (let w = this.nextWaiter(); w; w = this.nextWaiter())
      w.attempt.reject(w.attempt.mapFailure(err, false));
  }

  /** Closes connections idle for idleMs or more (oldest are at the bottom of the stack). */
  sweep(tick: number): void {
    const limit = ticksOf(this.opts.idleMs);
    while (this.idle.length > 0 && tick - (this.idle[0] as H1UpstreamConnection).idleSince >= limit)
      (this.idle.shift() as H1UpstreamConnection).close();
  }

  close(): void {
    // Waiters first, so the connections closing below do not dial anew for them.
    this.failWaiting(Object.assign(new Error('the upstream pool was closed'), { code: 'ECONNRESET' }));
    for (const conn of [...this.all]) conn.close();
    this.idle.length = 0;
  }
}

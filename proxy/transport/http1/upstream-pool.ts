// Keep-alive HTTP/1.1 connections to one upstream endpoint: the most recently used idle one is
// reused first (its peer is least likely to have timed it out), and connections idle longer than
// idleMs are closed by the once-a-second sweep.
import type { Socket } from 'node:net';
import type { MeshRequest, MeshResponse } from '../../stack/types.ts';
import { ticksOf } from './tick.ts';
import { H1UpstreamConnection, type ConnectionOwner } from './upstream-connection.ts';

export interface Dialer {
  dial(): Socket;
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

export class H1UpstreamPool implements ConnectionOwner {
  private readonly dialer: Dialer;
  private readonly opts: UpstreamPoolOptions;
  private readonly idle: H1UpstreamConnection[] = [];
  private readonly all = new Set<H1UpstreamConnection>();

  constructor(dialer: Dialer, opts: UpstreamPoolOptions) {
    this.dialer = dialer;
    this.opts = opts;
  }

  get size(): number {
    return this.all.size;
  }

  send(req: MeshRequest, signal: AbortSignal, mapFailure: FailureMapper): Promise<MeshResponse> {
    return new Promise((resolve, reject) => this.attempt(req, signal, resolve, reject, mapFailure, true));
  }

  private attempt(
    req: MeshRequest,
    signal: AbortSignal,
    resolve: (res: MeshResponse) => void,
    reject: (err: unknown) => void,
    mapFailure: FailureMapper,
    mayRetryStale: boolean,
  ): void {
    if (signal.aborted) return reject(signal.reason);
    const conn = (mayRetryStale && this.idle.pop()) || this.open();
    conn.exchange(req, signal, {
      resolve,
      reject: (err, connected, stale) => {
        // A keep-alive connection the server closed while idle fails the first write. Nothing was
        // processed, so one retry on a fresh connection is safe when there is no body to replay.
        if (stale && mayRetryStale) this.attempt(req, signal, resolve, reject, mapFailure, false);
        else reject(signal.aborted ? signal.reason : mapFailure(err, connected));
      },
    });
  }

  private open(): H1UpstreamConnection {
    const conn = new H1UpstreamConnection(this.dialer.dial(), this.dialer.readyEvent, this);
    this.all.add(conn);
    return conn;
  }

  release(conn: H1UpstreamConnection): void {
    if (this.idle.length >= this.opts.maxIdle) return conn.close();
    this.idle.push(conn);
  }

  forget(conn: H1UpstreamConnection): void {
    this.all.delete(conn);
    const i = this.idle.lastIndexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
  }

  /** Closes connections idle for idleMs or more (oldest are at the bottom of the stack). */
  sweep(tick: number): void {
    const limit = ticksOf(this.opts.idleMs);
    while (this.idle.length > 0 && tick - (this.idle[0] as H1UpstreamConnection).idleSince >= limit)
      (this.idle.shift() as H1UpstreamConnection).close();
  }

  close(): void {
    for (const conn of [...this.all]) conn.close();
    this.idle.length = 0;
  }
}

// The HTTP/1.1 open-loop load generator: sends GETs at a fixed rate over raw keep-alive
// connections, one request in flight per connection, opening more connections (up to a cap)
// whenever all are busy. Schedule, queueing and latency from each request's intended send time
// live in open-loop-core.ts. Runs pinned on its own CPU.
import { connect, type Socket } from 'node:net';
import { Http1ResponseParser } from './http1-response-parser.ts';
import { OpenLoopCore, type OpenLoopResult, type Phase, type Transport } from './open-loop-core.ts';
import type { Schedule } from './schedule.ts';

export type { OpenLoopResult } from './open-loop-core.ts';

export interface OpenLoopOptions {
  readonly port: number;
  readonly hostHeader: string;
  readonly path: string;
  readonly schedule: Schedule;
  /** Cap on concurrent connections; requests beyond it queue (their latency still counts). */
  readonly maxConnections: number;
  /** After the last send, how long to wait for stragglers before counting them as timeouts. */
  readonly drainMs: number;
  readonly onPhase?: (phase: Phase) => void;
}

interface Conn {
  readonly socket: Socket;
  readonly parser: Http1ResponseParser;
  inflight: number; // request index, -1 when idle
  dead: boolean;
}

export const runOpenLoop = (o: OpenLoopOptions): Promise<OpenLoopResult> =>
  new Promise((resolve) => {
    const core = new OpenLoopCore(o, resolve);
    core.start(new Http1Transport(o, core));
  });

class Http1Transport implements Transport {
  private readonly o: OpenLoopOptions;
  private readonly core: OpenLoopCore;
  private readonly request: Buffer;
  private readonly idle: Conn[] = [];
  private readonly all = new Set<Conn>();
  private count = 0;

  constructor(o: OpenLoopOptions, core: OpenLoopCore) {
    this.o = o;
    this.core = core;
    this.request = Buffer.from(
      `GET ${o.path} HTTP/1.1\r\nHost: ${o.hostHeader}\r\nUser-Agent: weft-bench\r\n\r\n`,
      'latin1',
    );
  }

  trySend(i: number): boolean {
    const conn = this.idle.pop() ?? (this.all.size < this.o.maxConnections ? this.open() : undefined);
    if (!conn) return false;
    conn.inflight = i;
    conn.socket.write(this.request);
    return true;
  }

  opened(): number {
    return this.count;
  }

  close(): void {
    for (const c of [...this.all]) c.socket.destroy();
  }

  private open(): Conn {
    const socket = connect({ host: '127.0.0.1', port: this.o.port, noDelay: true });
    const conn: Conn = { socket, parser: new Http1ResponseParser(), inflight: -1, dead: false };
    this.all.add(conn);
    this.count++;
    socket.on('data', (chunk) => this.onData(conn, chunk));
    socket.on('error', () => this.onDead(conn));
    socket.on('close', () => this.onDead(conn));
    return conn;
  }

  private onData(conn: Conn, chunk: Buffer): void {
    let ends;
    try {
      ends = conn.parser.feed(chunk);
    } catch {
      conn.socket.destroy();
      return;
    }
    for (const end of ends) {
      const i = conn.inflight;
      conn.inflight = -1;
      if (end.close) conn.socket.destroy();
      else if (i >= 0) this.idle.push(conn);
      this.core.complete(i, end.status >= 200 && end.status < 300 ? 'ok' : 'non2xx');
      if (end.close) return;
    }
  }

  private onDead(conn: Conn): void {
    if (conn.dead) return;
    conn.dead = true;
    this.all.delete(conn);
    const at = this.idle.indexOf(conn);
    if (at >= 0) this.idle.splice(at, 1);
    const i = conn.inflight;
    conn.inflight = -1;
    // a queued request gets a fresh connection instead of waiting for one that is gone
    if (i >= 0) this.core.complete(i, 'error');
    else this.core.pump();
  }
}

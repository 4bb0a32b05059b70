// The open-loop load generator: sends GETs at a fixed rate over raw keep-alive HTTP/1.1
// connections, one request in flight per connection, opening more connections (up to a cap)
// whenever all are busy, so a slow response never delays the next send. Each latency is taken
// from the request's intended send time (see schedule.ts). Runs pinned on its own CPU.
import { connect, type Socket } from 'node:net';
import { Http1ResponseParser } from './http1-response-parser.ts';
import { summarize, type LatencySummary } from './percentiles.ts';
import { delayUntil, dueBy, firstMeasured, intendedAt, totalRequests, type Schedule } from './schedule.ts';

export interface OpenLoopOptions {
  readonly port: number;
  readonly hostHeader: string;
  readonly path: string;
  readonly schedule: Schedule;
  /** Cap on concurrent connections; requests beyond it queue (their latency still counts). */
  readonly maxConnections: number;
  /** After the last send, how long to wait for stragglers before counting them as timeouts. */
  readonly drainMs: number;
  readonly onPhase?: (phase: 'measure-start' | 'measure-end') => void;
}

export interface OpenLoopResult {
  readonly rate: number;
  readonly measured: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly latencyMs: LatencySummary;
  /** How late the generator itself sent (actual − intended): its own noise floor. */
  readonly sendLagMs: LatencySummary;
  readonly connectionsOpened: number;
  /** The generator's own CPU per 1000 measured requests, ms: proves it is cheap enough. */
  readonly generatorCpuMsPer1000: number;
}

interface Conn {
  readonly socket: Socket;
  readonly parser: Http1ResponseParser;
  inflight: number; // request index, -1 when idle
  dead: boolean;
}

export const runOpenLoop = (o: OpenLoopOptions): Promise<OpenLoopResult> =>
  new Promise((resolve) => new OpenLoop(o, resolve).start());

class OpenLoop {
  private readonly o: OpenLoopOptions;
  private readonly done: (r: OpenLoopResult) => void;
  private readonly request: Buffer;
  private readonly total: number;
  private readonly first: number;
  private readonly latencies: number[] = [];
  private readonly lags: number[] = [];
  private readonly idle: Conn[] = [];
  private readonly queue: number[] = [];
  private readonly all = new Set<Conn>();
  private conns = 0;
  private opened = 0;
  private next = 0;
  private finished = 0;
  private counts = { ok: 0, non2xx: 0, errors: 0, timeouts: 0 };
  private t0 = 0;
  private cpu0: NodeJS.CpuUsage = { user: 0, system: 0 };
  private drainTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(o: OpenLoopOptions, done: (r: OpenLoopResult) => void) {
    this.o = o;
    this.done = done;
    this.request = Buffer.from(
      `GET ${o.path} HTTP/1.1\r\nHost: ${o.hostHeader}\r\nUser-Agent: weft-bench\r\n\r\n`,
      'latin1',
    );
    this.total = totalRequests(o.schedule);
    this.first = firstMeasured(o.schedule);
  }

  start(): void {
    this.t0 = performance.now();
    this.tick();
  }

  private tick = (): void => {
    const elapsed = performance.now() - this.t0;
    const due = dueBy(this.o.schedule, elapsed);
    for (; this.next < due; this.next++) this.dispatch(this.next, elapsed);
    if (this.next < this.total) {
      setTimeout(this.tick, delayUntil(this.o.schedule, this.next, performance.now() - this.t0));
    } else {
      this.drainTimer = setTimeout(this.finish, this.o.drainMs);
      this.maybeFinish();
    }
  };

  private dispatch(i: number, elapsed: number): void {
    if (i === this.first) {
      this.cpu0 = process.cpuUsage();
      this.o.onPhase?.('measure-start');
    }
    if (i >= this.first) this.lags.push(elapsed - intendedAt(this.o.schedule, i));
    const conn = this.idle.pop() ?? (this.conns < this.o.maxConnections ? this.open() : undefined);
    if (conn) this.send(conn, i);
    else this.queue.push(i);
  }

  private open(): Conn {
    const socket = connect({ host: '127.0.0.1', port: this.o.port, noDelay: true });
    const conn: Conn = { socket, parser: new Http1ResponseParser(), inflight: -1, dead: false };
    this.all.add(conn);
    this.conns++;
    this.opened++;
    socket.on('data', (chunk) => this.onData(conn, chunk));
    socket.on('error', () => this.onDead(conn));
    socket.on('close', () => this.onDead(conn));
    return conn;
  }

  private send(conn: Conn, i: number): void {
    conn.inflight = i;
    conn.socket.write(this.request);
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
      this.record(conn.inflight, end.status);
      conn.inflight = -1;
      if (end.close) {
        conn.socket.destroy();
        return;
      }
    }
    if (conn.inflight < 0 && ends.length > 0) this.release(conn);
  }

  private record(i: number, status: number): void {
    if (i < 0) return;
    this.finished++;
    if (i >= this.first) {
      this.latencies.push(performance.now() - this.t0 - intendedAt(this.o.schedule, i));
      if (status >= 200 && status < 300) this.counts.ok++;
      else this.counts.non2xx++;
    }
    this.maybeFinish();
  }

  private release(conn: Conn): void {
    const queued = this.queue.shift();
    if (queued !== undefined) this.send(conn, queued);
    else this.idle.push(conn);
  }

  private onDead(conn: Conn): void {
    if (conn.dead) return;
    conn.dead = true;
    this.all.delete(conn);
    this.conns--;
    const at = this.idle.indexOf(conn);
    if (at >= 0) this.idle.splice(at, 1);
    if (conn.inflight >= 0 && !this.closed) {
      if (conn.inflight >= this.first) this.counts.errors++;
      this.finished++;
      conn.inflight = -1;
    }
    // a queued request gets a fresh connection instead of waiting for one that is gone
    const queued = this.closed ? undefined : this.queue.shift();
    if (queued !== undefined) this.send(this.open(), queued);
    this.maybeFinish();
  }

  private maybeFinish(): void {
    if (this.next >= this.total && this.finished >= this.total) this.finish();
  }

  private finish = (): void => {
    if (this.closed) return;
    this.closed = true;
    if (this.drainTimer) clearTimeout(this.drainTimer);
    const cpu = process.cpuUsage(this.cpu0);
    this.o.onPhase?.('measure-end');
    const measured = this.total - this.first;
    this.counts.timeouts = measured - this.counts.ok - this.counts.non2xx - this.counts.errors;
    for (const c of [...this.all]) c.socket.destroy();
    this.done({
      rate: this.o.schedule.rate,
      measured,
      ...this.counts,
      latencyMs: summarize(this.latencies),
      sendLagMs: summarize(this.lags),
      connectionsOpened: this.opened,
      generatorCpuMsPer1000: ((cpu.user + cpu.system) / 1000 / Math.max(1, measured)) * 1000,
    });
  };
}

// The protocol-independent half of an open-loop generator: walks the schedule, asks the
// transport to send each request at its intended time (queueing it when the transport is at its
// cap, so a slow answer never delays the next send), takes every latency from the intended send
// time, and ends at the schedule's end plus a bounded drain. HTTP/1.1 (open-loop.ts) and gRPC
// (open-loop-grpc.ts) differ only in how a request travels.
import { summarize, type LatencySummary } from './percentiles.ts';
import { delayUntil, dueBy, firstMeasured, intendedAt, totalRequests, type Schedule } from './schedule.ts';

export type Phase = 'measure-start' | 'measure-end';

export interface OpenLoopResult {
  readonly rate: number;
  readonly measured: number;
  readonly ok: number;
  /** HTTP/1.1: a status outside 2xx; gRPC: HTTP status not 200 or grpc-status not 0. */
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly latencyMs: LatencySummary;
  /** How late the generator itself sent (actual − intended): its own noise floor. */
  readonly sendLagMs: LatencySummary;
  /** HTTP/1.1 connections, or h2 sessions for gRPC. */
  readonly connectionsOpened: number;
  /** The generator's own CPU per 1000 measured requests, ms: proves it is cheap enough. */
  readonly generatorCpuMsPer1000: number;
}

export type Outcome = 'ok' | 'non2xx' | 'error';

/** How a request travels; it reports back through OpenLoopCore.complete(). */
export interface Transport {
  /** Sends request `i` now, or returns false when at its cap (the core queues it). */
  trySend(i: number): boolean;
  /** Connections (or sessions) opened so far. */
  opened(): number;
  /** Tears everything down; late completions after this are ignored. */
  close(): void;
}

interface Counts {
  ok: number;
  non2xx: number;
  errors: number;
}

export class OpenLoopCore {
  private readonly schedule: Schedule;
  private readonly drainMs: number;
  private readonly onPhase: ((phase: Phase) => void) | undefined;
  private readonly done: (r: OpenLoopResult) => void;
  private readonly total: number;
  private readonly first: number;
  private readonly latencies: number[] = [];
  private readonly lags: number[] = [];
  private readonly queue: number[] = [];
  private transport: Transport | undefined;
  private next = 0;
  private finished = 0;
  private readonly counts: Counts = { ok: 0, non2xx: 0, errors: 0 };
  private t0 = 0;
  private cpu0: NodeJS.CpuUsage = { user: 0, system: 0 };
  private drainTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    o: { schedule: Schedule; drainMs: number; onPhase?: (phase: Phase) => void },
    done: (r: OpenLoopResult) => void,
  ) {
    this.schedule = o.schedule;
    this.drainMs = o.drainMs;
    this.onPhase = o.onPhase;
    this.done = done;
    this.total = totalRequests(o.schedule);
    this.first = firstMeasured(o.schedule);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  start(transport: Transport): void {
    this.transport = transport;
    this.t0 = performance.now();
    this.tick();
  }

  /**
   * A request ended (any index, warm-up included); a freed slot takes the oldest queued one.
   * `answeredAt` (performance.now()) is when the answer was complete, if earlier than now.
   */
  complete(i: number, outcome: Outcome, answeredAt = performance.now()): void {
    if (this.closed || i < 0) return;
    this.finished++;
    if (i >= this.first) {
      if (outcome !== 'error') this.latencies.push(answeredAt - this.t0 - intendedAt(this.schedule, i));
      if (outcome === 'ok') this.counts.ok++;
      else if (outcome === 'non2xx') this.counts.non2xx++;
      else this.counts.errors++;
    }
    this.pump();
    this.maybeFinish();
  }

  /** Sends queued requests while the transport has room (after a completion or a lost connection). */
  pump(): void {
    while (!this.closed && this.queue.length > 0 && this.transport?.trySend(this.queue[0] as number))
      this.queue.shift();
  }

  private elapsed(): number {
    return performance.now() - this.t0;
  }

  private tick = (): void => {
    if (this.closed) return;
    const elapsed = this.elapsed();
    const due = dueBy(this.schedule, elapsed);
    for (; this.next < due; this.next++) this.dispatch(this.next, elapsed);
    if (this.next < this.total) {
      setTimeout(this.tick, delayUntil(this.schedule, this.next, this.elapsed()));
    } else {
      this.drainTimer = setTimeout(this.finish, this.drainMs);
      this.maybeFinish();
    }
  };

  private dispatch(i: number, elapsed: number): void {
    if (i === this.first) {
      this.cpu0 = process.cpuUsage();
      this.onPhase?.('measure-start');
    }
    if (i >= this.first) this.lags.push(elapsed - intendedAt(this.schedule, i));
    // earlier requests keep their place: a new one never overtakes the queue
    if (this.queue.length > 0 || !this.transport?.trySend(i)) this.queue.push(i);
  }

  private maybeFinish(): void {
    if (this.next >= this.total && this.finished >= this.total) this.finish();
  }

  private finish = (): void => {
    if (this.closed) return;
    this.closed = true;
    if (this.drainTimer) clearTimeout(this.drainTimer);
    const cpu = process.cpuUsage(this.cpu0);
    this.onPhase?.('measure-end');
    this.transport?.close();
    const measured = this.total - this.first;
    const { ok, non2xx, errors } = this.counts;
    this.done({
      rate: this.schedule.rate,
      measured,
      ok,
      non2xx,
      errors,
      timeouts: measured - ok - non2xx - errors,
      latencyMs: summarize(this.latencies),
      sendLagMs: summarize(this.lags),
      connectionsOpened: this.transport?.opened() ?? 0,
      generatorCpuMsPer1000: ((cpu.user + cpu.system) / 1000 / Math.max(1, measured)) * 1000,
    });
  };
}

// The demo's built-in load: open-loop at a fixed rate, sent through a sidecar. A timer wakes at
// each request's planned send time, so the rate holds whatever the mesh does. Each request is
// timed from the moment it is handed to the HTTP agent: waiting for a free connection (the agent
// allows `concurrency` at once) counts, so a slow mesh shows up as latency, not as fewer requests;
// the generator's own timer lateness does not, so the figure is the mesh's, not the generator's.
import http from 'node:http';
import { LatencyStats } from './latency-stats.ts';

export interface LoadOptions {
  /** host:port of the sidecar's outbound listener */
  via: string;
  /** Host header: the mesh service to call */
  authority: string;
  rps: number;
  concurrency: number;
}

export class LoadGenerator {
  readonly stats = new LatencyStats();
  private readonly agent: http.Agent;
  private timer: NodeJS.Timeout | undefined;
  private sent = 0;
  private inFlight = 0;
  private startedAt = 0;
  private stopped = false;
  private idle: (() => void) | undefined;
  private readonly opts: LoadOptions;
  constructor(opts: LoadOptions) {
    this.opts = opts;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  }

  start(): void {
    this.startedAt = performance.now();
    this.scheduleNext();
  }

  /** When request number `n` is due, on the performance.now() clock. */
  private plannedAt(n: number): number {
    return this.startedAt + (n * 1000) / this.opts.rps;
  }

  private scheduleNext(): void {
    if (this.stopped) return;
    this.timer = setTimeout(
      () => {
        // every request whose planned time has come, including any a late timer skipped over
        const now = performance.now();
        for (; this.plannedAt(this.sent) <= now; this.sent++) this.send();
        this.scheduleNext();
      },
      Math.max(0, this.plannedAt(this.sent) - performance.now()),
    );
  }

  private send(): void {
    const [host, port] = this.opts.via.split(':');
    const sentAt = performance.now();
    this.inFlight++;
    const done = (ok: boolean): void => {
      this.stats.record(performance.now() - sentAt, ok);
      this.inFlight--;
      if (this.inFlight === 0) this.idle?.();
    };
    const req = http.request(
      { host, port: Number(port), path: '/', headers: { host: this.opts.authority }, agent: this.agent },
      (res) => {
        res.resume();
        res.on('end', () => done((res.statusCode ?? 500) < 500));
        res.on('error', () => done(false));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', () => done(false));
    req.end();
  }

  /** Stops sending and waits (bounded) for requests in flight. */
  async stop(waitMs = 5000): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        this.idle = resolve;
        setTimeout(resolve, waitMs).unref();
      });
    }
    this.agent.destroy();
  }
}

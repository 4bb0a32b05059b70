// The demo's built-in load: open-loop at a fixed rate, each request timed from its intended send
// time (so a slow mesh shows up as latency, not as fewer requests), sent through a sidecar.
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
  private idle: (() => void) | undefined;
  private readonly opts: LoadOptions;
  constructor(opts: LoadOptions) {
    this.opts = opts;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  }

  start(): void {
    this.startedAt = performance.now();
    this.timer = setInterval(() => this.tick(), 5);
  }

  private tick(): void {
    const due = Math.floor(((performance.now() - this.startedAt) / 1000) * this.opts.rps);
    for (; this.sent < due; this.sent++) this.send(this.startedAt + (this.sent * 1000) / this.opts.rps);
  }

  private send(intendedAt: number): void {
    const [host, port] = this.opts.via.split(':');
    this.inFlight++;
    const done = (ok: boolean): void => {
      this.stats.record(performance.now() - intendedAt, ok);
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
    clearInterval(this.timer);
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        this.idle = resolve;
        setTimeout(resolve, waitMs).unref();
      });
    }
    this.agent.destroy();
  }
}

// Open-loop HTTP/1.1 load for the reliability suite, bounded in count and time: `rps` requests per
// second through a keep-alive pool (as an app would), each with a unique x-test-id; records every
// latency so the tests can report p50/p99 and print sent / succeeded / failed.
import { Agent, request } from 'node:http';

export interface LoadResult {
  sent: number;
  ok: number;
  failed: number;
  /** First few failures, for the assertion message. */
  readonly errors: string[];
  /** Milliseconds, successful requests only. */
  readonly latencies: number[];
  /** Status code counts. */
  readonly statuses: Record<string, number>;
}

export interface LoadOptions {
  readonly port: number;
  readonly authority: string;
  readonly rps: number;
  /** Hard bound on how long requests are started. */
  readonly maxMs: number;
  /** Hard bound on the number of requests. */
  readonly maxRequests?: number;
  readonly path?: string;
  readonly timeoutMs?: number;
  readonly maxSockets?: number;
}

export interface Load {
  readonly result: LoadResult;
  /** Stops sending and waits for the requests in flight. */
  stop(): Promise<LoadResult>;
}

let ids = 0;

const once = (agent: Agent, o: LoadOptions): Promise<number> =>
  new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: o.port,
        agent,
        path: o.path ?? '/load',
        headers: { host: o.authority, 'x-test-id': String(++ids) },
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
        res.once('error', reject);
      },
    );
    const timeout = o.timeoutMs ?? 5_000;
    req.setTimeout(timeout, () => req.destroy(new Error(`timed out after ${timeout} ms`)));
    req.once('error', reject);
    req.end();
  });

export const startLoad = (o: LoadOptions): Load => {
  const result: LoadResult = { sent: 0, ok: 0, failed: 0, errors: [], latencies: [], statuses: {} };
  const agent = new Agent({ keepAlive: true, maxSockets: o.maxSockets ?? 64 });
  const inFlight = new Set<Promise<void>>();
  const started = Date.now();
  const max = o.maxRequests ?? Math.ceil((o.rps * o.maxMs) / 1000);
  const fail = (what: string): void => {
    result.failed++;
    if (result.errors.length < 10) result.errors.push(what);
  };
  const fire = (): void => {
    result.sent++;
    const t0 = performance.now();
    const p = once(agent, o).then(
      (status) => {
        result.statuses[status] = (result.statuses[status] ?? 0) + 1;
        if (status !== 200) return fail(`status ${status}`);
        result.ok++;
        result.latencies.push(performance.now() - t0);
      },
      (e: Error) => fail(e.message),
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  const timer = setInterval(() => {
    const due = Math.min(max, Math.floor(((Date.now() - started) * o.rps) / 1000)) - result.sent;
    for (let i = 0; i < due && inFlight.size < 1_000; i++) fire();
    if (Date.now() - started > o.maxMs || result.sent >= max) clearInterval(timer);
  }, 5);
  return {
    result,
    stop: async () => {
      clearInterval(timer);
      await Promise.all([...inFlight]);
      agent.destroy();
      return result;
    },
  };
};

export const percentile = (xs: readonly number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
};

/** One line for the test output: what was held and what happened. */
export const report = (what: string, r: LoadResult, seconds: number): string => {
  const line =
    `[reliability] ${what}: sent=${r.sent} ok=${r.ok} failed=${r.failed} ` +
    `rate=${Math.round(r.sent / seconds)}/s p50=${percentile(r.latencies, 50).toFixed(1)}ms ` +
    `p99=${percentile(r.latencies, 99).toFixed(1)}ms statuses=${JSON.stringify(r.statuses)}` +
    (r.errors.length ? ` errors=${JSON.stringify(r.errors.slice(0, 3))}` : '');
  console.log(line);
  return line;
};

// Closed-loop maximum throughput of unary gRPC calls with h2load (h2c prior knowledge, a fixed
// number of connections × concurrent streams, for a fixed duration), pinned to the load CPU.
import { runClosedLoop, type ClosedLoopOptions, type ClosedLoopResult } from './wrk.ts';

/** Reads h2load's summary; undefined when it has no "finished in" line. */
export const parseH2load = (out: string): ClosedLoopResult | undefined => {
  const rate = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(out);
  if (!rate) return undefined;
  const req = /requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed/.exec(out);
  const status = /status codes: \d+ 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out);
  // status codes also count streams cut off in flight at the end, so they are not compared with
  // "done"; a non-2xx answer is a failure even where h2load counts it as succeeded (3xx)
  const non2xx = status ? Number(status[1]) + Number(status[2]) + Number(status[3]) : 0;
  const failed = Math.max(req ? Number(req[4]) : 0, non2xx);
  return { tool: 'h2load', rps: Number(rate[1]), requests: req ? Number(req[2]) : 0, failed };
};

export interface GrpcCall {
  readonly path: string;
  /** File holding the framed request message (h2load -d, which makes the request a POST). */
  readonly requestFile: string;
}

export const runH2load = (
  o: ClosedLoopOptions & { readonly connections: number; readonly streams: number; readonly grpc: GrpcCall },
): Promise<ClosedLoopResult> =>
  runClosedLoop(
    o,
    [
      'h2load',
      '-t1',
      `-c${o.connections}`,
      `-m${o.streams}`,
      '-D',
      String(o.seconds),
      '-d',
      o.grpc.requestFile,
      '-H',
      'content-type: application/grpc',
      '-H',
      'te: trailers',
      '-H',
      `:authority: ${o.hostHeader}`,
      `http://127.0.0.1:${o.port}${o.grpc.path}`,
    ],
    parseH2load,
  );

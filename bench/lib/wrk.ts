// Closed-loop maximum throughput with wrk (keep-alive, fixed connection count), pinned to the
// load CPU. Only its request rate is used: its latency figures suffer coordinated omission.
import { execFile } from 'node:child_process';
import { pinnedArgv } from './processes.ts';

/** What a closed-loop tool (wrk for HTTP/1.1, h2load for gRPC) reports. */
export interface ClosedLoopResult {
  readonly tool: 'wrk' | 'h2load';
  readonly rps: number;
  readonly requests: number;
  /** Non-2xx responses plus socket errors and timeouts. */
  readonly failed: number;
}

/** Reads wrk's text summary; undefined when it has no "Requests/sec" line. */
export const parseWrk = (out: string): ClosedLoopResult | undefined => {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!rps) return undefined;
  const requests = /(\d+) requests in/.exec(out);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return {
    tool: 'wrk',
    rps: Number(rps[1]),
    requests: requests ? Number(requests[1]) : 0,
    failed: (non2xx ? Number(non2xx[1]) : 0) + socketErrors,
  };
};

export interface ClosedLoopOptions {
  readonly port: number;
  readonly hostHeader: string;
  readonly seconds: number;
  readonly cpus: string;
}

/**
 * Runs a closed-loop tool pinned to the load CPU and parses its summary. Bounded: the tool stops
 * itself after its duration; the kill timer only guards against a hang.
 */
export const runClosedLoop = (
  o: ClosedLoopOptions,
  argv: readonly string[],
  parse: (stdout: string) => ClosedLoopResult | undefined,
): Promise<ClosedLoopResult> =>
  new Promise((resolve, reject) => {
    const [cmd, ...args] = pinnedArgv(o.cpus, argv);
    execFile(cmd, args, { timeout: (o.seconds + 20) * 1000 }, (error, stdout, stderr) => {
      const parsed = parse(stdout);
      if (parsed) resolve(parsed);
      else reject(new Error(`${argv[0]} failed: ${error?.message ?? ''}\n${stdout.slice(-2000)}${stderr}`));
    });
  });

export const runWrk = (o: ClosedLoopOptions & { readonly connections: number }): Promise<ClosedLoopResult> =>
  runClosedLoop(
    o,
    [
      'wrk',
      '-t1',
      `-c${o.connections}`,
      `-d${o.seconds}s`,
      '--timeout',
      '5s',
      '-H',
      `Host: ${o.hostHeader}`,
      `http://127.0.0.1:${o.port}/`,
    ],
    parseWrk,
  );

// Closed-loop maximum throughput with wrk (keep-alive, fixed connection count), pinned to the
// load CPU. Only its request rate is used: its latency figures suffer coordinated omission.
import { execFile } from 'node:child_process';
import { pinnedArgv } from './processes.ts';

export interface WrkResult {
  readonly rps: number;
  readonly requests: number;
  readonly non2xx: number;
  readonly socketErrors: number;
}

/** Reads wrk's text summary; undefined when it has no "Requests/sec" line. */
export const parseWrk = (out: string): WrkResult | undefined => {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!rps) return undefined;
  const requests = /(\d+) requests in/.exec(out);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(rps[1]),
    requests: requests ? Number(requests[1]) : 0,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors: sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
  };
};

export interface WrkOptions {
  readonly port: number;
  readonly hostHeader: string;
  readonly seconds: number;
  readonly connections: number;
  readonly cpus: string;
}

export const runWrk = (o: WrkOptions): Promise<WrkResult> =>
  new Promise((resolve, reject) => {
    const [cmd, ...args] = pinnedArgv(o.cpus, [
      'wrk',
      '-t1',
      `-c${o.connections}`,
      `-d${o.seconds}s`,
      '--timeout',
      '5s',
      '-H',
      `Host: ${o.hostHeader}`,
      `http://127.0.0.1:${o.port}/`,
    ]);
    // bounded: wrk stops itself after -d; the kill timer only guards against a hang
    execFile(cmd, args, { timeout: (o.seconds + 15) * 1000 }, (error, stdout, stderr) => {
      const parsed = parseWrk(stdout);
      if (parsed) resolve(parsed);
      else reject(new Error(`wrk failed: ${error?.message ?? ''}\n${stdout}${stderr}`));
    });
  });

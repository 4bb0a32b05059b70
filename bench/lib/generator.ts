// Runs the open-loop generator as its own process pinned to the load CPU, so its cost is kept off
// the proxies' CPU, and reports its phase changes as they happen.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pinnedArgv } from './processes.ts';
import type { OpenLoopResult, Phase } from './open-loop-core.ts';
import type { GrpcOpenLoopOptions } from './open-loop-grpc.ts';
import type { OpenLoopOptions } from './open-loop.ts';

/** What the child runs: the HTTP/1.1 or the gRPC generator, with its options (JSON-safe). */
export type GeneratorJob =
  | { readonly protocol: 'h1'; readonly options: Omit<OpenLoopOptions, 'onPhase'> }
  | { readonly protocol: 'grpc'; readonly options: Omit<GrpcOpenLoopOptions, 'onPhase'> };

const main = fileURLToPath(new URL('./open-loop-main.ts', import.meta.url));

export const runGenerator = (
  job: GeneratorJob,
  cpus: string,
  onPhase: (phase: Phase) => void,
): Promise<OpenLoopResult> =>
  new Promise((resolve, reject) => {
    const { options } = job;
    const [cmd, ...args] = pinnedArgv(cpus, [process.execPath, main, JSON.stringify(job)]);
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const s = options.schedule;
    // bounded: the generator ends itself after warm-up + duration + drain; this is the backstop
    const limit = setTimeout(
      () => child.kill('SIGKILL'),
      s.warmupMs + s.durationMs + options.drainMs + 15_000,
    );
    let result: OpenLoopResult | undefined;
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const msg = JSON.parse(line) as { phase?: Phase; result?: OpenLoopResult };
      if (msg.phase) onPhase(msg.phase);
      if (msg.result) result = msg.result;
    });
    child.once('close', (code) => {
      clearTimeout(limit);
      if (result) resolve(result);
      else reject(new Error(`open-loop generator exited ${code} without a result\n${stderr}`));
    });
  });

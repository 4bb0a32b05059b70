// Runs the open-loop generator as its own process pinned to the load CPU, so its cost is kept off
// the proxies' CPU, and reports its phase changes as they happen.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pinnedArgv } from './processes.ts';
import type { OpenLoopOptions, OpenLoopResult } from './open-loop.ts';

const main = fileURLToPath(new URL('./open-loop-main.ts', import.meta.url));

export const runGenerator = (
  options: Omit<OpenLoopOptions, 'onPhase'>,
  cpus: string,
  onPhase: (phase: 'measure-start' | 'measure-end') => void,
): Promise<OpenLoopResult> =>
  new Promise((resolve, reject) => {
    const [cmd, ...args] = pinnedArgv(cpus, [process.execPath, main, JSON.stringify(options)]);
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
      const msg = JSON.parse(line) as { phase?: 'measure-start' | 'measure-end'; result?: OpenLoopResult };
      if (msg.phase) onPhase(msg.phase);
      if (msg.result) result = msg.result;
    });
    child.once('close', (code) => {
      clearTimeout(limit);
      if (result) resolve(result);
      else reject(new Error(`open-loop generator exited ${code} without a result\n${stderr}`));
    });
  });

// Starting and stopping the processes a bench run needs, each pinned to its CPU with taskset.
// Every process started here is remembered and killed when the runner exits, however it exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';

export interface Pinned {
  readonly name: string;
  readonly pid: number;
  alive(): boolean;
  /** Last lines the process wrote to stderr/stdout, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
let niceness = 0;

/**
 * Opt-in (`--nice N`, root only for N < 0): run every bench process at this niceness, so on a
 * shared machine other work intrudes less on the measured processes.
 */
export const setNiceness = (n: number): void => {
  niceness = n;
};

/** The command line that runs argv pinned to `cpus` (and reniced when asked); same pid as argv. */
export const pinnedArgv = (cpus: string, argv: readonly string[]): [string, ...string[]] =>
  niceness === 0
    ? ['taskset', '-c', cpus, ...argv]
    : ['nice', '-n', String(niceness), 'taskset', '-c', cpus, ...argv];
process.on('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

export const startPinned = (name: string, cpus: string, argv: readonly string[]): Pinned => {
  // nice and taskset exec the command, so the child's pid is the pinned process itself
  const [cmd, ...args] = pinnedArgv(cpus, argv);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let tail = '';
  const keep = (b: Buffer): void => {
    tail = (tail + b.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  const gone = new Promise<void>((r) =>
    child.once('exit', () => {
      exited = true;
      running.delete(child);
      r();
    }),
  );
  return {
    name,
    pid: child.pid ?? -1,
    alive: () => !exited,
    output: () => tail,
    stop: async () => {
      if (exited) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(killer);
    },
  };
};

const tryConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

/** Polls until the port accepts connections; fails early when the process died. */
export const waitForPort = async (p: Pinned, port: number, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await tryConnect(port))) {
    if (!p.alive()) throw new Error(`${p.name} exited before listening on ${port}:\n${p.output()}`);
    if (Date.now() > deadline) throw new Error(`${p.name} not listening on ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

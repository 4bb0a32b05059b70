// One control-plane process of the throwaway cluster: output to a log file in the cluster folder,
// an early exit reported with the log's tail, and a stop that escalates to SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ClusterProcess {
  readonly name: string;
  readonly logFile: string;
  /** Rejects as soon as the process exits, with the end of its log. */
  readonly exited: Promise<never>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// A test worker or kube:up that exits for any reason takes its cluster with it.
process.on('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

export const logTail = (file: string, lines = 25): string => {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
};

export const startProcess = (name: string, binary: string, args: string[], dir: string): ClusterProcess => {
  const logFile = join(dir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(binary, args, { cwd: dir, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  running.add(child);
  let stopping = false;
  const exitedOnce = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      running.delete(child);
      resolve(code);
    });
    child.on('error', () => resolve(null));
  });
  const exited = exitedOnce.then((code): never => {
    throw new Error(
      stopping ? `${name} stopped` : `${name} exited (code ${code}); end of ${logFile}:\n${logTail(logFile)}`,
    );
  });
  exited.catch(() => undefined);
  return {
    name,
    logFile,
    exited,
    stop: async () => {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exitedOnce;
      clearTimeout(killer);
    },
  };
};

// Starts and stops the child processes of `weft dev`, each logging to its own file, and makes
// sure none outlives the demo: SIGTERM first, SIGKILL after a grace period.
import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  alive(): boolean;
}

export class Supervisor {
  private readonly children: Child[] = [];
  private stopping = false;
  private readonly logDir: string;
  private readonly onUnexpectedExit: (child: Child, code: number | null) => void;
  constructor(logDir: string, onUnexpectedExit: (child: Child, code: number | null) => void) {
    this.logDir = logDir;
    this.onUnexpectedExit = onUnexpectedExit;
  }

  start(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Child {
    const fd = openSync(`${this.logDir}/${name}.log`, 'a');
    const proc = spawn(process.execPath, args, {
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...env },
    });
    closeSync(fd);
    let exited = false;
    const child: Child = { name, process: proc, alive: () => !exited };
    proc.on('exit', (code) => {
      exited = true;
      if (!this.stopping) this.onUnexpectedExit(child, code);
    });
    this.children.push(child);
    return child;
  }

  /** Stops children in reverse start order (clients before servers) and waits for them. */
  async stopAll(graceMs = 3000): Promise<void> {
    this.stopping = true;
    const running = [...this.children].reverse().filter((c) => c.alive());
    await Promise.all(
      running.map(
        (c) =>
          new Promise<void>((resolve) => {
            const kill = setTimeout(() => c.process.kill('SIGKILL'), graceMs);
            c.process.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            c.process.kill('SIGTERM');
          }),
      ),
    );
  }
}

// Runs a `weft` subcommand as a real process (the pinned Node, the source tree) and collects its
// exit code and output, for tests of the operator commands.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './dev-harness.ts';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export const weft = (args: readonly string[], cwd = repoRoot): Promise<CliRun> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repoRoot, 'cli/main.ts'), ...args],
      { cwd, timeout: 30_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });

/** Polls an async condition every 100 ms until it holds or `limitMs` passes. */
export const eventually = async (
  cond: () => Promise<boolean>,
  what: string,
  limitMs: number,
): Promise<void> => {
  const deadline = Date.now() + limitMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

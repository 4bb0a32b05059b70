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

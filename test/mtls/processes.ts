// `weft` subcommands as child processes for the end-to-end mTLS tests: output captured, ports
// read from --port-file, every child stopped (SIGTERM, then SIGKILL) by stopAll.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitForPortFile } from '../../cli/port-file.ts';

const cliMain = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'cli/main.ts');

export interface CliProcess {
  readonly proc: ChildProcess;
  output(): string;
  readonly exited: Promise<number | null>;
}

const children: CliProcess[] = [];

/** `cli`: another entry point, e.g. the bundle's cli/main.js (default: the sources). */
export const weft = (args: readonly string[], cli = cliMain): CliProcess => {
  let out = '';
  const proc = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const child = { proc, output: () => out, exited };
  children.push(child);
  return child;
};

/** Runs a short subcommand to completion. */
export const weftOnce = async (
  args: readonly string[],
  cli = cliMain,
): Promise<{ code: number | null; output: string }> => {
  const c = weft(args, cli);
  const code = await c.exited;
  return { code, output: c.output() };
};

/** Starts a long-running subcommand with --port-file and returns its ports. */
export const weftServing = async <T>(
  args: readonly string[],
  portFile: string,
  cli = cliMain,
): Promise<[CliProcess, T]> => {
  const c = weft([...args, '--port-file', portFile, '--exit-with-parent'], cli);
  let alive = true;
  void c.exited.then(() => (alive = false));
  try {
    return [c, await waitForPortFile<T>(portFile, 20_000, () => alive)];
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${c.output()}`, { cause: e });
  }
};

export const stopAll = async (): Promise<void> => {
  await Promise.all(
    children.splice(0).map(async (c) => {
      if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
      const kill = setTimeout(() => c.proc.kill('SIGKILL'), 3_000);
      c.proc.kill('SIGTERM');
      await c.exited;
      clearTimeout(kill);
    }),
  );
};

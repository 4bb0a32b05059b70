// Runs `weft dev` as a real process in a scratch directory holding a copy of an example folder
// (examples/local unless told), so e2e tests can edit the mesh YAML and read
// .weft/dev/state.json like a user would.
import { type ChildProcess, spawn } from 'node:child_process';
import { cp, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type DevState, sidecarsOf } from '../../cli/mesh-view/dev-state.ts';

export const repoRoot = resolve(import.meta.dirname, '../..');

export interface DevRun {
  cwd: string;
  meshDir: string;
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/**
 * `example`: the folder under the repository copied as the mesh (default examples/local);
 * `prepare` edits the copy before `weft dev` starts (e.g. a DevWorkload field).
 */
export const startDev = async (
  args: string[],
  example = 'examples/local',
  prepare: (meshDir: string) => Promise<void> = async () => undefined,
): Promise<DevRun> => {
  const cwd = await mkdtemp(join(tmpdir(), 'weft-dev-'));
  const meshDir = join(cwd, 'mesh');
  await cp(join(repoRoot, example), meshDir, {
    recursive: true,
    filter: (src) => !src.includes('/apps'),
  });
  await prepare(meshDir);
  let out = '';
  let err = '';
  const proc = spawn(process.execPath, [join(repoRoot, 'cli/main.ts'), 'dev', meshDir, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  return { cwd, meshDir, proc, stdout: () => out, stderr: () => err, exited };
};

export const waitForState = async (run: DevRun, timeoutMs = 60_000): Promise<DevState> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      return JSON.parse(await readFile(join(run.cwd, '.weft/dev/state.json'), 'utf8')) as DevState;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`no state.json after ${timeoutMs} ms; stderr: ${run.stderr()}`);
};

export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export const pidsOf = (state: DevState): number[] =>
  [state.controlPlane.pid, ...sidecarsOf(state).flatMap((w) => [w.appPid, w.sidecarPid])].filter(
    (p): p is number => typeof p === 'number' && p > 0,
  );

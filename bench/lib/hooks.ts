// Other benches plug in by dropping a script into a sub-directory of bench/ (e.g. bench/ca/
// issuance.ts) that prints JSON on stdout. The runner finds them, runs each after the rows (on
// every CPU: they have their own methodology) with a time limit, and puts their numbers in the
// report under `<dir>/<file>`.
import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { QUICK_ENV } from './env.ts';
import { pinnedArgv } from './processes.ts';
import type { HookResult } from './types.ts';

/**
 * Sub-directories that hold no hooks: the runner's own, and soak/ (its own ten-minute command,
 * `npm run soak`, which no run's time limit would let finish).
 */
const NOT_HOOKS = new Set(['lib', 'peers', 'results', 'node_modules', 'soak']);

export interface Hook {
  /** `<dir>/<file without .ts>`, e.g. `ca/issuance`: the name `--only` takes. */
  readonly name: string;
  readonly path: string;
}

/** Hooks are runnable `.ts` files; tests, `_helpers.ts` and `*-main.ts` child-process entries are not. */
export const isHookFile = (file: string): boolean =>
  file.endsWith('.ts') &&
  !file.endsWith('.test.ts') &&
  !file.endsWith('.d.ts') &&
  !file.endsWith('-main.ts') &&
  !file.startsWith('_');

export const discoverHooks = (benchDir: string): Hook[] =>
  readdirSync(benchDir)
    .filter((d) => !NOT_HOOKS.has(d) && statSync(join(benchDir, d)).isDirectory())
    .sort()
    .flatMap((d) =>
      readdirSync(join(benchDir, d))
        .filter(isHookFile)
        .sort()
        .map((f) => {
          const path = join(benchDir, d, f);
          return { name: relative(benchDir, path).replace(/\.ts$/, ''), path };
        }),
    );

/** The JSON a hook printed: its whole stdout, or else its last line that parses as JSON. */
export const parseHookOutput = (stdout: string): unknown => {
  try {
    return JSON.parse(stdout);
  } catch {
    const lines = stdout.trim().split('\n').reverse();
    for (const line of lines) {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        // not this line
      }
    }
    return undefined;
  }
};

/**
 * How long the next hook may run: its own limit, cut to what is left of the run's budget;
 * 0 means skip it (less than 5 s left).
 */
export const hookAllowance = (limitMs: number, budgetMs: number | undefined, elapsedMs: number): number => {
  if (budgetMs === undefined) return limitMs;
  const left = budgetMs - elapsedMs;
  // whole milliseconds: child_process rejects a fractional timeout
  return left < 5000 ? 0 : Math.floor(Math.min(limitMs, left));
};

export const runHook = (hook: Hook, cpus: string, timeoutMs: number, quick: boolean): Promise<HookResult> =>
  new Promise((resolve) => {
    const t0 = performance.now();
    const env = { ...process.env, ...(quick ? { [QUICK_ENV]: '1' } : {}) };
    const [cmd, ...args] = pinnedArgv(cpus, [process.execPath, hook.path]);
    execFile(cmd, args, { timeout: timeoutMs, env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const seconds = (performance.now() - t0) / 1000;
      const data = parseHookOutput(stdout);
      if (error)
        resolve({ name: hook.name, seconds, error: `${error.message} ${stderr.slice(-300)}`.trim() });
      else if (data === undefined) resolve({ name: hook.name, seconds, error: 'printed no JSON' });
      else resolve({ name: hook.name, seconds, data });
    });
  });

// What a results file says about where it was measured: CPUs, CPU model, load, tool versions.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';

/** Version from a tool's banner, wherever it prints it (nginx: stderr; wrk: stdout, exit 1). */
const versionOf = (cmd: string, args: readonly string[], pattern: RegExp): string => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) return 'not installed';
  return pattern.exec(`${r.stdout}\n${r.stderr}`)?.[1] ?? 'unknown';
};

export const machine = () => ({
  nproc: availableParallelism(),
  cpuModel: /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown',
  loadAverage: loadavg(),
});

export const versions = (): Record<string, string> => ({
  node: process.version,
  haproxy: versionOf('haproxy', ['-v'], /version (\S+)/),
  nginx: versionOf('nginx', ['-v'], /nginx\/(\S+)/),
  wrk: versionOf('wrk', ['-v'], /wrk (\S+)/),
  openssl: versionOf('openssl', ['version'], /OpenSSL (\S+)/),
});

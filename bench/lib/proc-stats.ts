// Resource figures read from /proc: resident memory (VmRSS) and CPU time (utime + stime) of a
// proxy's whole process tree (nginx has a master and a worker; a pair has two proxies).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcSample {
  readonly rssKb: number;
  /** utime + stime in clock ticks. */
  readonly cpuTicks: number;
}

/** VmRSS in kB from /proc/<pid>/status text; 0 when absent (kernel threads, zombies). */
export const parseVmRss = (status: string): number => {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) : 0;
};

/** ppid, utime and stime from /proc/<pid>/stat text (fields counted after the `(comm)`). */
export const parseStat = (stat: string): { ppid: number; cpuTicks: number } => {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state): ppid is field 4, utime 14, stime 15
  return { ppid: Number(rest[1]), cpuTicks: Number(rest[11]) + Number(rest[12]) };
};

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process went away between listing and reading
  }
};

/** The pid and all its descendants alive now. */
export const processTree = (root: number): number[] => {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = read(`/proc/${entry}/stat`);
    if (!stat) continue;
    const { ppid } = parseStat(stat);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const out: number[] = [];
  const walk = (pid: number): void => {
    out.push(pid);
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
  return out;
};

/** Sum over the trees of the given root pids. */
export const sampleTrees = (roots: readonly number[]): ProcSample => {
  let rssKb = 0;
  let cpuTicks = 0;
  for (const pid of roots.flatMap(processTree)) {
    const stat = read(`/proc/${pid}/stat`);
    if (stat) cpuTicks += parseStat(stat).cpuTicks;
    rssKb += parseVmRss(read(`/proc/${pid}/status`) ?? '');
  }
  return { rssKb, cpuTicks };
};

let ticks: number | undefined;
/** Clock ticks per second (USER_HZ), almost always 100. */
export const clockTicksPerSecond = (): number => {
  if (ticks === undefined) {
    const out = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    ticks = Number.isFinite(out) && out > 0 ? out : 100;
  }
  return ticks;
};

/** Samples RSS every `everyMs` until stopped; returns the peak, in kB. */
export const watchPeakRss = (roots: readonly number[], everyMs = 200): (() => number) => {
  let peak = sampleTrees(roots).rssKb;
  const timer = setInterval(() => {
    peak = Math.max(peak, sampleTrees(roots).rssKb);
  }, everyMs);
  return () => {
    clearInterval(timer);
    return Math.max(peak, sampleTrees(roots).rssKb);
  };
};

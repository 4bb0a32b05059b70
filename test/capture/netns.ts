// Network namespaces for the capture tests: a "node" namespace with a bridge, and "pods" joined
// to it by veth pairs, all on a private range that exists only inside these namespaces. Names
// carry the test process id, and destroy() removes whatever was made, so a failed run leaves
// nothing behind and two runs do not collide.
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';

export const sh = (args: readonly string[], input?: string): string =>
  execFileSync(args[0] as string, args.slice(1), { input, stdio: ['pipe', 'pipe', 'pipe'] }).toString();

export const inNs = (ns: string, args: readonly string[]): string[] => ['ip', 'netns', 'exec', ns, ...args];

const has = (cmd: string, versionArg = '--version'): boolean => {
  try {
    sh([cmd, versionArg]);
    return true;
  } catch {
    return false;
  }
};

/** Empty when namespaces can be made here; otherwise why not (the tests skip and say so). */
export const netnsSkipReason = (probeName: string): string => {
  if (process.getuid?.() !== 0) return 'not root';
  if (!has('iptables-restore')) return 'iptables-restore not installed';
  if (!has('ip', '-V')) return 'ip (iproute2) not installed';
  try {
    sh(['ip', 'netns', 'add', probeName]);
    sh(['ip', 'netns', 'del', probeName]);
  } catch (e) {
    return `cannot create network namespaces (${(e as Error).message.split('\n')[0]})`;
  }
  return '';
};

export interface Topology {
  readonly node: string;
  /** namespace name by pod key; `ip6` on dual-stack topologies */
  readonly pods: Readonly<Record<string, { ns: string; ip: string; ip6?: string }>>;
  readonly gateway: string;
  destroy(): void;
}

/**
 * `prefix` like "10.214.0": the node's bridge is .1, pods get .2, .3, … in the given order. With
 * `prefix6` like "fd00:214::" the same numbering in IPv6 too (dual-stack; `nodad`, so addresses
 * are usable at once rather than after duplicate address detection).
 */
export const makeTopology = (
  tag: string,
  prefix: string,
  podKeys: readonly string[],
  prefix6?: string,
): Topology => {
  const node = `weft-node-${tag}`;
  const pods: Record<string, { ns: string; ip: string; ip6?: string }> = {};
  const made: string[] = [];
  const destroy = (): void => {
    for (const ns of made.reverse()) {
      try {
        sh(['ip', 'netns', 'del', ns]); // veth ends and the bridge go with their namespaces
      } catch {
        // already gone
      }
    }
  };
  try {
    sh(['ip', 'netns', 'add', node]);
    made.push(node);
    sh(inNs(node, ['ip', 'link', 'set', 'lo', 'up']));
    sh(inNs(node, ['ip', 'link', 'add', 'weftbr', 'type', 'bridge']));
    sh(inNs(node, ['ip', 'addr', 'add', `${prefix}.1/24`, 'dev', 'weftbr']));
    if (prefix6) sh(inNs(node, ['ip', '-6', 'addr', 'add', `${prefix6}1/64`, 'dev', 'weftbr', 'nodad']));
    sh(inNs(node, ['ip', 'link', 'set', 'weftbr', 'up']));
    podKeys.forEach((key, i) => {
      const ns = `weft-${key}-${tag}`;
      const ip = `${prefix}.${i + 2}`;
      sh(['ip', 'netns', 'add', ns]);
      made.push(ns);
      const [podEnd, nodeEnd] = [`e${key}${tag}`, `v${key}${tag}`];
      sh(['ip', 'link', 'add', podEnd, 'netns', ns, 'type', 'veth', 'peer', 'name', nodeEnd, 'netns', node]);
      sh(inNs(node, ['ip', 'link', 'set', nodeEnd, 'master', 'weftbr', 'up']));
      sh(inNs(ns, ['ip', 'addr', 'add', `${ip}/24`, 'dev', podEnd]));
      sh(inNs(ns, ['ip', 'link', 'set', podEnd, 'up']));
      sh(inNs(ns, ['ip', 'link', 'set', 'lo', 'up']));
      // Every other address (service IPs included) is "via the node"; nothing routes further.
      sh(inNs(ns, ['ip', 'route', 'add', 'default', 'via', `${prefix}.1`]));
      const ip6 = prefix6 && `${prefix6}${i + 2}`;
      if (ip6) {
        sh(inNs(ns, ['ip', '-6', 'addr', 'add', `${ip6}/64`, 'dev', podEnd, 'nodad']));
        sh(inNs(ns, ['ip', '-6', 'route', 'add', 'default', 'via', `${prefix6}1`]));
      }
      pods[key] = ip6 ? { ns, ip, ip6 } : { ns, ip };
    });
  } catch (e) {
    destroy();
    throw e;
  }
  return { node, pods, gateway: `${prefix}.1`, destroy };
};

/** Children started by spawnLine; killed (whole process group) by killAll. */
const children: ChildProcess[] = [];

/** Spawns a process and resolves with its first stdout line (a port, "listening", …). */
export const spawnLine = (args: readonly string[], opts: SpawnOptions = {}): Promise<string> => {
  const child = spawn(args[0] as string, args.slice(1), { stdio: ['ignore', 'pipe', 'inherit'], ...opts });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code}) before it was ready`)));
    child.once('error', reject);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve);
  });
};

/** Spawns a long-running process (its output goes to `log` lines kept for failure messages). */
export const spawnLogged = (args: readonly string[], log: string[]): ChildProcess => {
  const child = spawn(args[0] as string, args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  for (const stream of [child.stdout, child.stderr])
    createInterface({ input: stream as NodeJS.ReadableStream }).on('line', (l) => {
      if (log.length < 2_000) log.push(l);
    });
  return child;
};

export const killAll = (): void => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
};

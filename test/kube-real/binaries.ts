// The real Kubernetes binaries (kube-apiserver, kube-controller-manager, etcd, kubectl), built from
// the published Go modules pinned in go/go.mod into a per-machine cache folder keyed by what goes
// into them, so a machine builds each pinned release once and every later run reuses it.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const GO_MODULE_DIR = join(import.meta.dirname, 'go');
export const COMMANDS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kubectl'] as const;
export type KubeCommand = (typeof COMMANDS)[number];

export interface KubeBinaries {
  readonly dir: string;
  readonly kubernetesVersion: string;
  path(command: KubeCommand): string;
}

/** The Go toolchain, or undefined when none is on PATH (nor at /usr/local/go). */
export const goCommand = (): string | undefined => {
  for (const candidate of ['go', '/usr/local/go/bin/go'])
    try {
      execFileSync(candidate, ['version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // next candidate
    }
  return undefined;
};

const kubernetesVersion = (): string => {
  const m = /^\s*k8s\.io\/kubernetes (v\S+)/m.exec(readFileSync(join(GO_MODULE_DIR, 'go.mod'), 'utf8'));
  if (!m?.[1]) throw new Error(`${GO_MODULE_DIR}/go.mod: no k8s.io/kubernetes requirement`);
  return m[1];
};

/**
 * Linker flags: no symbol tables (a third of the size), and the release stamped where Kubernetes'
 * own build stamps it, so /version and `kubectl version` name it rather than v0.0.0-master.
 */
const ldflags = (version: string): string => {
  const [major, minor] = version.replace(/^v/, '').split('.');
  const stamp = (pkg: string): string[] => [
    `-X ${pkg}.gitVersion=${version}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
  ];
  return [
    '-s',
    '-w',
    ...stamp('k8s.io/component-base/version'),
    ...stamp('k8s.io/client-go/pkg/version'),
  ].join(' ');
};

/** Everything the binaries are made of: go.mod, go.sum, our main packages, flags, the Go version. */
const buildKey = (go: string): string => {
  const hash = createHash('sha256');
  hash.update(ldflags(kubernetesVersion()));
  const mains = COMMANDS.map((c) => join(GO_MODULE_DIR, 'cmd', c, 'main.go'));
  for (const f of [join(GO_MODULE_DIR, 'go.mod'), join(GO_MODULE_DIR, 'go.sum'), ...mains])
    hash.update(f.slice(GO_MODULE_DIR.length)).update(readFileSync(f));
  hash.update(execFileSync(go, ['version'], { encoding: 'utf8' }));
  return hash.digest('hex').slice(0, 16);
};

const cacheRoot = (): string =>
  process.env.WEFT_KUBE_REAL_CACHE ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'weft', 'kube-real');

const binariesIn = (dir: string, version: string): KubeBinaries => ({
  dir,
  kubernetesVersion: version,
  path: (command) => join(dir, command),
});

const complete = (dir: string): boolean => COMMANDS.every((c) => existsSync(join(dir, c)));

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Holds a directory lock so that test files starting in parallel build once; stale after 40 min. */
const withLock = async <T>(lock: string, fn: () => Promise<T>): Promise<T> => {
  const deadline = Date.now() + 40 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder = NaN;
      try {
        holder = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        // the holder has not written its pid yet
      }
      if (Number.isInteger(holder) && !alive(holder)) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`${lock}: still held after 40 minutes`, { cause: e });
      else await sleep(1_000);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
};

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Whether this machine already has the binaries for go/go.mod (false without Go). */
export const kubeBinariesCached = (): boolean => {
  const go = goCommand();
  return go !== undefined && complete(join(cacheRoot(), `${kubernetesVersion()}-${buildKey(go)}`));
};

export interface BuildOptions {
  /** Where `go build` output goes (default: inherited, so a terminal or CI log shows progress). */
  readonly log?: (line: string) => void;
}

/**
 * The cached binaries for go/go.mod, building them first when this machine has none for it.
 * A fresh machine spends most of the time compiling Kubernetes (see docs/testing-kubernetes.md);
 * the Go module and build caches make a rebuild after a go.mod change much shorter.
 */
export const ensureKubeBinaries = async (o: BuildOptions = {}): Promise<KubeBinaries> => {
  const go = goCommand();
  if (!go) throw new Error('the real Kubernetes binaries need Go (https://go.dev/doc/install) on PATH');
  const version = kubernetesVersion();
  const root = cacheRoot();
  const dir = join(root, `${version}-${buildKey(go)}`);
  if (complete(dir)) return binariesIn(dir, version);
  mkdirSync(root, { recursive: true });
  await withLock(`${dir}.lock`, async () => {
    if (complete(dir)) return;
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
    const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    const started = Date.now();
    log(
      `weft: building Kubernetes ${version} (${COMMANDS.join(', ')}) into ${dir}; minutes on a fresh machine`,
    );
    await goBuild(go, tmp, version, log);
    log(`weft: built in ${Math.round((Date.now() - started) / 1000)} s`);
    renameSync(tmp, dir);
  });
  return binariesIn(dir, version);
};

const goBuild = (go: string, out: string, version: string, log: (line: string) => void): Promise<void> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      go,
      [
        'build',
        '-trimpath',
        `-ldflags=${ldflags(version)}`,
        '-o',
        `${out}/`,
        ...COMMANDS.map((c) => `./cmd/${c}`),
      ],
      {
        cwd: GO_MODULE_DIR,
        // Two parallel compiles: the machines have two cores and the build must not starve the rest.
        env: { ...process.env, GOFLAGS: `${process.env.GOFLAGS ?? ''} -p=2 -buildvcs=false`.trim() },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const lines = (b: Buffer): void => {
      for (const l of b.toString().split('\n')) if (l) log(l);
    };
    child.stdout.on('data', lines);
    child.stderr.on('data', lines);
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`go build in ${GO_MODULE_DIR} exited ${code}`)),
    );
  });

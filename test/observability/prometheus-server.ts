// A real Prometheus for the observability tests: the Debian binary on a loopback port with a
// temporary TSDB, scraping the local mesh every second through examples/prometheus/prometheus-local.yml
// (its file_sd target files written from the mesh's state, as the comment in that file shows).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DevState, sidecarsOf } from '../../cli/mesh-view/dev-state.ts';
import { repoRoot } from './local-mesh.ts';

export const PROMETHEUS = '/usr/bin/prometheus';
export const prometheusAvailable = existsSync(PROMETHEUS);

export interface RunningPrometheus {
  readonly url: string;
  /** Instant query; returns [labels, value] per series. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: number }[]>;
  stop(): Promise<void>;
}

// Prometheus cannot report a port it chose itself, so take a free one from the kernel first.
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

const waitReady = async (url: string, proc: ChildProcess, log: () => string): Promise<void> => {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && proc.exitCode === null) {
    const ok = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`prometheus not ready: ${log().slice(-2000)}`);
};

export const startPrometheus = async (state: DevState): Promise<RunningPrometheus> => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-prom-'));
  await cp(join(repoRoot, 'examples/prometheus'), dir, { recursive: true });
  const sidecars = sidecarsOf(state);
  await writeFile(
    join(dir, 'weft-dev-sidecars.json'),
    JSON.stringify([{ targets: sidecars.map((w) => `127.0.0.1:${w.metricsPort}`) }]),
  );
  await writeFile(
    join(dir, 'weft-dev-control-plane.json'),
    JSON.stringify([{ targets: [state.controlPlane.adminAddress] }]),
  );
  // Same file, 1 s scrape interval so a test sees rates within seconds.
  const config = (await readFile(join(dir, 'prometheus-local.yml'), 'utf8')).replace(
    /scrape_interval: \S+/,
    'scrape_interval: 1s',
  );
  await writeFile(join(dir, 'prometheus-local.yml'), config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const proc = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(dir, 'prometheus-local.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  proc.stderr?.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-20_000)));
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(url, proc, () => log);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    url,
    query: async (promql) => {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await res.json()) as {
        status: string;
        error?: string;
        data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      if (body.status !== 'success') throw new Error(`${promql}: ${body.error}`);
      return (body.data?.result ?? []).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    stop,
  };
};

// The demo mesh of `weft dev` (control plane, apps, sidecars; no load generator loop) started
// in-process from a scratch copy of examples/local, for the observability tests: they scrape it,
// point Prometheus, `weft stat` and the dashboard at it, and edit its YAML (faults) live.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startMesh } from '../../cli/dev/mesh.ts';
import { type DevState, sidecarsOf, type WorkloadState } from '../../cli/mesh-view/dev-state.ts';
import { LoadGenerator } from '../../cli/dev/load-generator.ts';
import { readTopology } from '../../cli/dev/topology.ts';
import { waitUntilServing } from '../../cli/dev/warm-up.ts';

export const repoRoot = resolve(import.meta.dirname, '../..');

/** The demo's canary split edited to 50/50 (tests write it over split.yaml while the mesh runs). */
export const SPLIT_50_50 = `apiVersion: split.smi-spec.io/v1alpha4
kind: TrafficSplit
metadata: { name: catalog, namespace: demo }
spec:
  service: catalog
  backends:
    - { service: catalog-v1, weight: 50 }
    - { service: catalog-v2, weight: 50 }
`;

export interface LocalMesh {
  readonly cwd: string;
  readonly meshDir: string;
  readonly state: DevState;
  /** host:port of the load generator's outbound listener (Host: frontend reaches the demo). */
  readonly via: string;
  readonly sidecars: readonly WorkloadState[];
  writeYaml(file: string, text: string): Promise<void>;
  stop(): Promise<void>;
}

export const startLocalMesh = async (): Promise<LocalMesh> => {
  const cwd = await mkdtemp(join(tmpdir(), 'weft-obs-'));
  const meshDir = join(cwd, 'mesh');
  await cp(join(repoRoot, 'examples/local'), meshDir, {
    recursive: true,
    filter: (src) => !src.includes('/apps'),
  });
  const topology = await readTopology(meshDir);
  if (!topology.ok) throw new Error(`examples/local: ${JSON.stringify(topology.error)}`);
  const mesh = await startMesh(meshDir, topology.value, cwd, (name, code) => {
    process.stderr.write(`local mesh: ${name} exited (code ${code}); logs in ${cwd}/.weft/dev/logs\n`);
  });
  const { state } = mesh;
  const via = `127.0.0.1:${state.loadGenerator?.outboundPort}`;
  try {
    await waitUntilServing(via, 'frontend', 30_000);
  } catch (e) {
    await mesh.stop();
    throw e;
  }
  return {
    cwd,
    meshDir,
    state,
    via,
    sidecars: sidecarsOf(state),
    writeYaml: (file, text) => writeFile(join(meshDir, file), text),
    stop: async () => {
      await mesh.stop();
      await rm(cwd, { recursive: true, force: true });
    },
  };
};

// node:http, not fetch: fetch does not let a caller set the Host header.
const getOnce = (via: string, agent: Agent): Promise<number> =>
  new Promise((done) => {
    const [host, port] = via.split(':');
    const req = request(
      { host, port: Number(port), path: '/', agent, headers: { host: 'frontend' } },
      (res) => {
        res.resume();
        res.once('end', () => done(res.statusCode ?? 0));
      },
    );
    req.setTimeout(5_000, () => req.destroy());
    req.once('error', () => done(0));
    req.end();
  });

/** Sends `count` requests through the mesh (Host: frontend), `concurrency` at a time; returns statuses. */
export const sendRequests = async (via: string, count: number, concurrency = 8): Promise<number[]> => {
  const statuses: number[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      statuses.push(await getOnce(via, agent));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return statuses;
};

/** The demo's open-loop load (100 req/s into frontend), started; stop() it when done. */
export const startLoad = (mesh: LocalMesh, rps = 100): LoadGenerator => {
  const load = new LoadGenerator({ via: mesh.via, authority: 'frontend', rps, concurrency: 32 });
  load.start();
  return load;
};

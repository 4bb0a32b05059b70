// `weft edges` as a user runs it, against `weft dev` (real sidecars with mTLS): the meshed edges
// are mTLS with both identities verified, and a caller outside the mesh that the PERMISSIVE
// demo namespace lets in over plaintext shows up as a plaintext edge without a caller identity,
// in local mode and through a real Prometheus scraping the mesh.
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EdgesReport } from '../../cli/edges/command.ts';
import type { EdgeRow } from '../../cli/mesh-view/edge-figures.ts';
import { repoRoot, sendRequests, startLocalMesh, type LocalMesh } from './local-mesh.ts';
import { prometheusAvailable, startPrometheus, type RunningPrometheus } from './prometheus-server.ts';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

const edges = (cwd: string, args: string[]): Promise<Ran> =>
  new Promise((resolve) => {
    const proc = spawn(process.execPath, [join(repoRoot, 'cli/main.ts'), 'edges', ...args], { cwd });
    let stdout = '';
    let stderr = '';
    const guard = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    proc.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });

const PERMISSIVE_NAMESPACE = `apiVersion: v1
kind: Namespace
metadata: { name: demo, annotations: { weft.io/mtls-mode: PERMISSIVE } }
`;

/** One plaintext request straight to a sidecar's inbound port (a caller outside the mesh); its status or 0. */
const plaintextGet = (port: number): Promise<number> =>
  new Promise((done) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      res.resume();
      res.once('end', () => done(res.statusCode ?? 0));
    });
    req.setTimeout(3_000, () => req.destroy());
    req.once('error', () => done(0));
    req.end();
  });

const PLAINTEXT_REQUESTS = 20;
const MESHED_REQUESTS = 60;

const edge = (rows: readonly EdgeRow[], source: string | null, destination: string) =>
  rows.find((r) => r.source === source && r.destination === destination);

const expectEdges = (rows: readonly EdgeRow[], plaintext: number): void => {
  const front = edge(rows, 'demo/loadgen', 'demo/frontend');
  expect(front?.mtls).toBe('yes');
  expect(front?.requests).toBeGreaterThanOrEqual(MESHED_REQUESTS);
  expect(front?.success).toBe(1);
  expect(front?.p99).toBeGreaterThan(0);
  // catalog-v1 and catalog-v2 run as the one service account `catalog`
  const catalog = edge(rows, 'demo/frontend', 'demo/catalog');
  expect(catalog?.mtls).toBe('yes');
  expect(catalog?.plaintextRequests).toBe(0);
  const outsider = edge(rows, null, 'demo/catalog');
  expect(outsider?.mtls).toBe('no');
  expect(outsider?.requests).toBe(plaintext);
  expect(outsider?.mtlsRequests).toBe(0);
};

describe('weft edges against weft dev', () => {
  let mesh: LocalMesh;
  let plaintextOk = 0;
  beforeAll(async () => {
    mesh = await startLocalMesh();
    const v2 = mesh.state.workloads.find((w) => w.name === 'catalog-v2');
    if (!v2) throw new Error('catalog-v2 missing from the demo');
    // STRICT refuses the outsider; wait (bounded) until the PERMISSIVE snapshot reached catalog-v2.
    expect(await plaintextGet(v2.inboundPort)).toBe(0);
    await mesh.writeYaml('namespace.yaml', PERMISSIVE_NAMESPACE);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && (await plaintextGet(v2.inboundPort)) !== 200)
      await new Promise((r) => setTimeout(r, 200));
    for (let i = 0; i < PLAINTEXT_REQUESTS; i++)
      if ((await plaintextGet(v2.inboundPort)) === 200) plaintextOk++;
    await sendRequests(mesh.via, MESHED_REQUESTS);
  }, 60_000);
  afterAll(async () => {
    await mesh?.stop();
  });

  it('lists the meshed edges as mTLS and the outsider as plaintext (-o json)', async () => {
    expect(plaintextOk).toBe(PLAINTEXT_REQUESTS);
    const r = await edges(mesh.cwd, ['-o', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as EdgesReport;
    expect(report.window).toBe('since start');
    // the one request that found the namespace PERMISSIVE is counted too
    expectEdges(report.edges, PLAINTEXT_REQUESTS + 1);
  });

  it('prints a table that marks the plaintext edge', async () => {
    const r = await edges(mesh.cwd, []);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^SOURCE\s+DESTINATION\s+REQUESTS\s+SUCCESS\s+P99ms\s+MTLS$/);
    expect(lines.find((l) => l.startsWith('(no identity)'))).toMatch(/demo\/catalog .*NO \(plaintext\)$/);
    expect(lines.find((l) => l.startsWith('demo/frontend'))).toMatch(/demo\/catalog .*100\.0%.* yes$/);
  });

  it('explains itself and fails clearly without a mesh', async () => {
    const help = await edges(mesh.cwd, ['--help']);
    expect(help.stdout).toContain('Examples:');
    expect(help.stdout).toContain('--prometheus');
    const none = await edges(repoRoot, ['--state', '/nonexistent/state.json']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/state\.json not found: start the local mesh with `weft dev`/);
  });

  describe.skipIf(!prometheusAvailable)('--prometheus', () => {
    let prom: RunningPrometheus;
    beforeAll(async () => {
      prom = await startPrometheus(mesh.state);
    }, 30_000);
    afterAll(async () => {
      await prom?.stop();
    });

    it('reports the same edges from a real Prometheus', async () => {
      // increase() needs two scrapes after the traffic; send more of both kinds while it scrapes
      const deadline = Date.now() + 20_000;
      let report: EdgesReport | undefined;
      while (Date.now() < deadline) {
        await sendRequests(mesh.via, 20);
        const v2 = mesh.state.workloads.find((w) => w.name === 'catalog-v2');
        await plaintextGet(v2?.inboundPort ?? 0);
        const r = await edges(mesh.cwd, ['--prometheus', prom.url, '--window', '1m', '-o', 'json']);
        expect(r.stderr).toBe('');
        report = JSON.parse(r.stdout) as EdgesReport;
        const outsider = edge(report.edges, null, 'demo/catalog');
        if (outsider && edge(report.edges, 'demo/frontend', 'demo/catalog')) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(report?.window).toBe('1m');
      const rows = report?.edges ?? [];
      expect(edge(rows, 'demo/frontend', 'demo/catalog')?.mtls).toBe('yes');
      expect(edge(rows, 'demo/loadgen', 'demo/frontend')?.mtls).toBe('yes');
      expect(edge(rows, null, 'demo/catalog')?.mtls).toBe('no');
    }, 40_000);
  });
});

// `weft stat` as a user runs it, against the local mesh under load: local mode (scrapes the
// sidecars of .weft/dev/state.json), a service filter, --watch, and --prometheus against a real
// Prometheus when one is installed.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadGenerator } from '../../cli/dev/load-generator.ts';
import type { StatReport } from '../../cli/stat/command.ts';
import { repoRoot, startLoad, startLocalMesh, type LocalMesh } from './local-mesh.ts';
import { prometheusAvailable, startPrometheus, type RunningPrometheus } from './prometheus-server.ts';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `weft stat ...args` in `cwd`; with `lines`, stops it (SIGINT) after that many stdout lines. */
const stat = (cwd: string, args: string[], lines?: number): Promise<Ran> =>
  new Promise((resolve) => {
    const proc = spawn(process.execPath, [join(repoRoot, 'cli/main.ts'), 'stat', ...args], { cwd });
    let stdout = '';
    let stderr = '';
    const guard = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    proc.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (lines !== undefined && stdout.split('\n').length > lines) proc.kill('SIGINT');
    });
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    proc.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });

const reportOf = (r: Ran): StatReport => JSON.parse(r.stdout.trim().split('\n')[0] as string) as StatReport;
const find = (r: StatReport, kind: string, name: string) =>
  r.rows.find((x) => x.kind === kind && x.name === name);

const expectCanary = (report: StatReport, tolerance: number): void => {
  const v1 = find(report, 'backend', 'demo/catalog-v1');
  const v2 = find(report, 'backend', 'demo/catalog-v2');
  expect(v1?.service).toBe('demo/catalog');
  expect(v1?.share).toBeGreaterThan(0.9 - tolerance);
  expect(v1?.share).toBeLessThan(0.9 + tolerance);
  expect((v1?.share ?? 0) + (v2?.share ?? 0)).toBeCloseTo(1, 2);
  const catalog = find(report, 'service', 'demo/catalog');
  expect(catalog?.success).toBe(1);
  for (const q of [catalog?.p50, catalog?.p95, catalog?.p99]) {
    expect(q).toBeGreaterThan(0);
    expect(q).toBeLessThan(1);
  }
};

describe('weft stat against weft dev', () => {
  let mesh: LocalMesh;
  let load: LoadGenerator;
  beforeAll(async () => {
    mesh = await startLocalMesh();
    load = startLoad(mesh);
  }, 60_000);
  afterAll(async () => {
    await load?.stop();
    await mesh?.stop();
  });

  it('local mode: per-service and per-backend figures from two scrapes', async () => {
    const r = await stat(mesh.cwd, ['-o', 'json', '--interval', '3']);
    expect(r.code, r.stderr).toBe(0);
    const report = reportOf(r);
    // 3 s at 100 req/s: ~300 catalog requests, sd of the v1 share ≈ 1.7 pp; ±8 pp ≈ 4.7 sd
    expectCanary(report, 0.08);
    const frontend = find(report, 'service', 'demo/frontend');
    expect(frontend?.rps).toBeGreaterThan(80);
    expect(frontend?.rps).toBeLessThan(120);
  });

  it('filters by service and prints a table', async () => {
    const r = await stat(mesh.cwd, ['catalog', '--interval', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^NAME\s+RPS\s+SUCCESS\s+P50ms\s+P95ms\s+P99ms\s+SHARE$/m);
    expect(r.stdout).toMatch(/^ {2}└ demo\/catalog-v2\s/m);
    expect(r.stdout).not.toContain('demo/frontend');
  });

  it('--watch refreshes until interrupted', async () => {
    const r = await stat(mesh.cwd, ['--watch', '-o', 'json', '--interval', '1'], 2);
    const reports = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as StatReport);
    expect(reports.length).toBeGreaterThanOrEqual(2);
    expect(Date.parse(reports[1]?.at ?? '')).toBeGreaterThan(Date.parse(reports[0]?.at ?? ''));
  });

  it('fails with a hint when there is no local mesh', async () => {
    const r = await stat(repoRoot, ['--state', '/nonexistent/state.json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('weft dev');
  });

  describe.skipIf(!prometheusAvailable)('--prometheus', () => {
    let prom: RunningPrometheus;
    beforeAll(async () => {
      prom = await startPrometheus(mesh.state);
    });
    afterAll(() => prom?.stop());

    it('gives the same figures from PromQL', async () => {
      // wait until Prometheus holds ~8 s of samples (bounded)
      const deadline = Date.now() + 20_000;
      let total = 0;
      while (Date.now() < deadline && total < 600) {
        const [v] = await prom.query(
          'sum(increase(weft_requests_total{destination_service="demo/catalog",direction="outbound"}[10s]))',
        );
        total = v?.value ?? 0;
        await new Promise((r) => setTimeout(r, 500));
      }
      const r = await stat(mesh.cwd, ['-o', 'json', '--prometheus', prom.url, '--window', '10s']);
      expect(r.code, r.stderr).toBe(0);
      expectCanary(reportOf(r), 0.06);
    });
  });
});

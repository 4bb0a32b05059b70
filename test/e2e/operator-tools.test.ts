// End to end: the operator commands (`weft version`, ...) against a real `weft dev` mesh, and
// what they say when nothing is running.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEFT_VERSION } from '../../api/runtime/version.ts';
import type { CheckReport } from '../../cli/check/command.ts';
import type { ConfigView, EndpointsPage, PoliciesPage } from '../../cli/diagnose/fetch.ts';
import type { VersionReport } from '../../cli/version/command.ts';
import type { ControlPlaneStatus } from '../../control-plane/runtime.ts';
import type { DevState } from '../../cli/mesh-view/dev-state.ts';
import { startDev, waitForState, type DevRun } from './dev-harness.ts';
import { eventually, weft } from './weft-cli.ts';

describe('operator commands with nothing running', () => {
  it('weft version prints the CLI version and says the mesh is not reachable', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'weft-empty-'));
    const r = await weft(['version'], empty);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(WEFT_VERSION);
    expect(r.stderr).toMatch(/state\.json not found: start the local mesh with `weft dev`/);
    const check = await weft(['check'], empty);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/× local mesh is running: .*state\.json not found/);
    expect(check.stdout).toContain('see: start it with `weft dev`');
    const client = await weft(['version', '--client', '-o', 'json'], empty);
    expect(client.code).toBe(0);
    expect((JSON.parse(client.stdout) as VersionReport).client.version).toBe(WEFT_VERSION);
  });
});

describe('operator commands against weft dev', () => {
  let run: DevRun;
  let state: DevState;
  beforeAll(async () => {
    run = await startDev(['--rps', '20']);
    state = await waitForState(run);
  }, 90_000);
  afterAll(async () => {
    run.proc.kill('SIGTERM');
    await run.exited;
  }, 30_000);

  it('weft version reports the control plane and every sidecar with its snapshot', async () => {
    const r = await weft(['version', '-o', 'json'], run.cwd);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as VersionReport;
    const names = report.components.map((c) => c.name).sort();
    expect(names).toEqual(
      ['control-plane', ...state.workloads.map((w) => w.name), state.loadGenerator?.name ?? ''].sort(),
    );
    for (const c of report.components) expect(c.version, c.name).toBe(WEFT_VERSION);
    const sidecars = report.components.filter((c) => c.component === 'proxy');
    for (const s of sidecars) expect(s.snapshotVersion, s.name).toMatch(/\S+/);
    const table = await weft(['version'], run.cwd);
    expect(table.stdout).toMatch(/^NAME\s+COMPONENT\s+VERSION/);
    expect(table.stdout).toMatch(/frontend\s+proxy\s+\S+\s+v24/);
  });

  it('weft version exits 1 and names a sidecar that stopped answering', async () => {
    const lg = state.loadGenerator;
    if (!lg) throw new Error('the example mesh has a load generator');
    process.kill(lg.sidecarPid, 'SIGSTOP');
    try {
      const r = await weft(['version', '-o', 'json'], run.cwd);
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout) as VersionReport;
      const stopped = report.components.find((c) => c.name === lg.name);
      expect(stopped?.error).toMatch(new RegExp(`127\\.0\\.0\\.1:${lg.adminPort}/version not reachable`));
    } finally {
      process.kill(lg.sidecarPid, 'SIGCONT');
    }
  });

  it('weft check passes a healthy mesh: control plane, every sidecar ACKed with a valid certificate', async () => {
    const r = await weft(['check', '-o', 'json'], run.cwd);
    const report = JSON.parse(r.stdout) as CheckReport;
    expect(report.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    const sidecarGroups = new Set(
      report.checks.filter((c) => c.group.startsWith('sidecar ')).map((c) => c.group),
    );
    expect(sidecarGroups.size).toBe(state.workloads.length + 1);
    const cert = report.checks.find(
      (c) => c.group === 'sidecar frontend' && c.name.startsWith('certificate'),
    );
    expect(cert?.detail).toMatch(/^spiffe:\/\/cluster\.local\/ns\/demo\/sa\/frontend until /);
    expect([r.code, report.ok]).toEqual([0, true]);
    // The sidecar shows its chain and roots, never its key.
    const frontend = state.workloads.find((w) => w.name === 'frontend');
    const certsText = await (await fetch(`http://127.0.0.1:${frontend?.adminPort}/certs`)).text();
    expect(certsText).not.toMatch(/PRIVATE|BEGIN/);
    expect((JSON.parse(certsText) as { roots: unknown[] }).roots.length).toBeGreaterThan(0);
    const table = await weft(['check'], run.cwd);
    expect(table.stdout).toContain('✓ sidecar is on the current snapshot');
    expect(table.stdout.trim().split('\n').at(-1)).toBe('Status check results are ✓');
  });

  it('weft check catches a sidecar left on an old snapshot, with a hint', { timeout: 60_000 }, async () => {
    const v2 = state.workloads.find((w) => w.name === 'catalog-v2');
    if (!v2) throw new Error('the example mesh has catalog-v2');
    const statusUrl = `http://${state.controlPlane.adminAddress}/status`;
    const sidecarOf = async () =>
      ((await (await fetch(statusUrl)).json()) as ControlPlaneStatus).sidecars.find((s) =>
        s.workload.endsWith('/catalog-v2'),
      );
    const splitFile = join(run.meshDir, 'split.yaml');
    const original = await readFile(splitFile, 'utf8');
    const before = (await sidecarOf())?.ackedVersion;
    process.kill(v2.sidecarPid, 'SIGSTOP');
    try {
      await writeFile(
        splitFile,
        original.replace('weight: 90', 'weight: 60').replace('weight: 10', 'weight: 40'),
      );
      await eventually(
        async () => {
          const s = await sidecarOf();
          return s?.sentVersion !== undefined && s.sentVersion !== s.ackedVersion;
        },
        'a snapshot sent to the stopped sidecar',
        20_000,
      );
      const r = await weft(['check', '-o', 'json'], run.cwd);
      expect(r.code).toBe(1);
      const failed = (JSON.parse(r.stdout) as CheckReport).checks.filter((c) => c.status === 'fail');
      expect(failed.map((c) => [c.group, c.name])).toEqual([
        ['sidecar catalog-v2', 'sidecar is on the current snapshot'],
        ['sidecar catalog-v2', 'certificate is valid and not near expiry'],
      ]);
      expect(failed[0]?.detail).toMatch(/^runs \S+, sent \S+ is not acknowledged$/);
      expect(failed[0]?.hint).toMatch(/stuck or overloaded/);
      expect(failed[1]?.hint).toMatch(/admin port does not answer/);
    } finally {
      process.kill(v2.sidecarPid, 'SIGCONT');
      await writeFile(splitFile, original);
    }
    // The restored file compiles to the version every sidecar ran before (versions are content
    // hashes); once all have acknowledged what was last sent to them, the mesh is healthy again.
    await eventually(
      async () => {
        const all = ((await (await fetch(statusUrl)).json()) as ControlPlaneStatus).sidecars;
        const v2now = all.find((x) => x.workload.endsWith('/catalog-v2'));
        return v2now?.ackedVersion === before && all.every((x) => x.sentVersion === x.ackedVersion);
      },
      'every sidecar back on the restored snapshot',
      20_000,
    );
    expect((await weft(['check'], run.cwd)).code).toBe(0);
  });

  it('weft diagnose config shows the snapshot, its ACK state and routes per service', async () => {
    const frontend = state.workloads.find((w) => w.name === 'frontend');
    const own = (await (await fetch(`http://127.0.0.1:${frontend?.adminPort}/config`)).json()) as {
      version: string;
    };
    const r = await weft(['diagnose', 'config', 'frontend', '-o', 'json'], run.cwd);
    expect(r.code, r.stderr).toBe(0);
    const view = (JSON.parse(r.stdout) as { config: ConfigView }).config;
    expect(view.version).toBe(own.version);
    expect(view.controlPlane?.ackedVersion).toBe(own.version);
    expect(view.snapshot?.services['demo/catalog']?.split?.backends.map((b) => b.service)).toEqual([
      'demo/catalog-v1',
      'demo/catalog-v2',
    ]);
    const table = await weft(['diagnose', 'config', 'frontend'], run.cwd);
    expect(table.stdout).toContain(`workload frontend: snapshot ${own.version}, ACKed (current)`);
    expect(table.stdout).toMatch(/demo\/catalog\s+catalog,\S+\s+80\s+0\s+split catalog-v1 90, catalog-v2 10/);
  });

  it('weft diagnose endpoints shows balancer state, certs the chain without the key', async () => {
    // frontend calls catalog under the load generator's traffic: its backends have latency estimates.
    await eventually(
      async () => {
        const r = await weft(['diagnose', 'endpoints', 'frontend', '-o', 'json'], run.cwd);
        const page = (JSON.parse(r.stdout) as { endpoints: EndpointsPage }).endpoints;
        const v1 = page.services.find((s) => s.service === 'demo/catalog-v1')?.endpoints[0];
        return v1 !== undefined && v1.ewmaMs !== null && v1.ejected === false && v1.workload === 'catalog-v1';
      },
      'an EWMA estimate for catalog-v1 in frontend',
      20_000,
    );
    const table = await weft(['diagnose', 'endpoints', 'frontend'], run.cwd);
    expect(table.stdout).toMatch(
      /demo\/catalog-v1\s+127\.0\.0\.1:\d+\s+catalog-v1\s+\d+\.\d\d\s+\d+\s+no\s+0/,
    );

    const certs = await weft(['diagnose', 'certs', 'catalog-v1'], run.cwd);
    expect(certs.code).toBe(0);
    expect(certs.stdout).toContain(
      'identity spiffe://cluster.local/ns/demo/sa/catalog (private key kept in the sidecar, not shown)',
    );
    expect(certs.stdout).toMatch(/^leaf\s+spiffe:\/\/cluster\.local\/ns\/demo\/sa\/catalog\s/m);
    expect(certs.stdout).toMatch(/^trusted root\s/m);
    expect(certs.stdout).not.toMatch(/PRIVATE|BEGIN/);
  });

  it(
    'weft diagnose policy shows the policy in force with its circuit-breaker and outlier state',
    { timeout: 60_000 },
    async () => {
      const file = join(run.meshDir, 'policy.yaml');
      await writeFile(
        file,
        [
          'apiVersion: policy.weft.io/v1alpha1',
          'kind: TrafficPolicy',
          'metadata: { name: catalog-v1, namespace: demo }',
          'spec:',
          '  targetRef: { kind: Service, name: catalog-v1 }',
          '  timeout: 2s',
          '  circuitBreaker: { maxRequests: 100 }',
          '  outlierDetection: { consecutive5xx: 5 }',
          '',
        ].join('\n'),
      );
      let page: PoliciesPage | undefined;
      await eventually(
        async () => {
          const r = await weft(['diagnose', 'policy', 'frontend', '-o', 'json'], run.cwd);
          page = (JSON.parse(r.stdout) as { policy: PoliciesPage }).policy;
          return page.services.some((s) => s.service === 'demo/catalog-v1' && s.state.breaker !== undefined);
        },
        'the TrafficPolicy in force in frontend',
        20_000,
      );
      const v1 = page?.services.find((s) => s.service === 'demo/catalog-v1');
      expect(v1?.policy?.name).toBe('demo/catalog-v1');
      expect(v1?.state.breaker?.requests.max).toBe(100);
      expect(v1?.state.outliers?.length).toBe(1);
      const table = await weft(['diagnose', 'policy', 'frontend'], run.cwd);
      expect(table.stdout).toMatch(
        /demo\/catalog-v1\s+demo\/catalog-v1\s+timeout 2000 ms, circuit breaker, outlier detection\s+req \d+\/100/,
      );
      expect(table.stdout).toContain('0/1 ejected');
    },
  );

  it('weft diagnose names the workloads it knows when given another', async () => {
    const r = await weft(['diagnose', 'config', 'nope'], run.cwd);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^weft diagnose: no workload nope in the local mesh: try one of .*frontend/);
  });
});

// End to end: the operator commands (`weft version`, ...) against a real `weft dev` mesh, and
// what they say when nothing is running.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEFT_VERSION } from '../../api/runtime/version.ts';
import type { VersionReport } from '../../cli/version/command.ts';
import type { DevState } from '../../cli/mesh-view/dev-state.ts';
import { startDev, waitForState, type DevRun } from './dev-harness.ts';
import { weft } from './weft-cli.ts';

describe('operator commands with nothing running', () => {
  it('weft version prints the CLI version and says the mesh is not reachable', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'weft-empty-'));
    const r = await weft(['version'], empty);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(WEFT_VERSION);
    expect(r.stderr).toMatch(/state\.json not found: start the local mesh with `weft dev`/);
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
});

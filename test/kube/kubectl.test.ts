// kubectl, unmodified, with weft's crds/ against the stand-in: apply the CRDs and the example
// TrafficSplit, list it by plural and short name with weft's printer columns. Skipped without kubectl.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApiServer, type KubeApiServer } from '../kube-apiserver/index.ts';
import { CRD_DIR } from './crds.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

const kubectlAvailable = (): boolean => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(!kubectlAvailable())('kubectl with weft CRDs', () => {
  let api: KubeApiServer;
  let dir: string;
  // Asynchronous: the stand-in runs in this process, so a synchronous exec would deadlock it.
  const kubectl = async (...args: string[]): Promise<string> =>
    (
      await run(
        'kubectl',
        ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args],
        {
          timeout: 30_000,
        },
      )
    ).stdout.trim();

  beforeAll(async () => {
    api = await startKubeApiServer({ tls: true });
    dir = mkdtempSync(join(tmpdir(), 'weft-kubectl-'));
    writeFileSync(join(dir, 'kubeconfig'), api.kubeConfig().exportConfig());
    api.store.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
  });
  afterAll(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies crds/ and the example split, then gets trafficsplits', async () => {
    expect(await kubectl('apply', '-f', CRD_DIR)).toContain('trafficsplits.split.smi-spec.io');
    await kubectl('apply', '-f', join(ROOT, 'examples', 'local', 'split.yaml'));
    const out = await kubectl('get', 'trafficsplits', '-n', 'demo');
    expect(out).toMatch(/catalog/);
    expect(
      await kubectl('get', 'ts', '-n', 'demo', '-o', 'jsonpath={.items[0].spec.backends[1].weight}'),
    ).toBe('10');
  });
});

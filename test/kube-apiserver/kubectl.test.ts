// kubectl, unmodified, against the stand-in: discovery, OpenAPI v3 (server-side field validation),
// apply of CRDs and custom objects, get by plural and short name, delete. Skipped without kubectl.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { crdManifest } from './crd-manifest.ts';
import { startKubeApiServer, type KubeApiServer } from './server.ts';

const run = promisify(execFile);

const kubectlAvailable = (): boolean => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
};

const REPO_CRDS = join(import.meta.dirname, '..', '..', 'crds');
const repoCrdFiles = (): string[] => {
  try {
    return readdirSync(REPO_CRDS).filter((f) => /\.ya?ml$/.test(f));
  } catch {
    return [];
  }
};

describe.skipIf(!kubectlAvailable())('kubectl against the stand-in', () => {
  let server: KubeApiServer;
  let dir: string;

  // Asynchronous: the stand-in runs in this process, so a synchronous exec would deadlock it.
  const kubectl = async (...args: string[]): Promise<string> => {
    const { stdout } = await run(
      'kubectl',
      ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args],
      {
        timeout: 30_000,
      },
    );
    return stdout.trim();
  };

  beforeAll(async () => {
    server = await startKubeApiServer({ tls: true });
    dir = mkdtempSync(join(tmpdir(), 'weft-kubectl-'));
    writeFileSync(join(dir, 'kubeconfig'), server.kubeConfig().exportConfig());
    const crd = crdManifest({
      group: 'example.weft.dev',
      kind: 'Widget',
      shortNames: ['wd'],
      statusSubresource: true,
    });
    writeFileSync(join(dir, 'crd.yaml'), stringify(crd));
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies a CRD, then objects of its kind, and lists them by plural and short name', async () => {
    expect(await kubectl('apply', '-f', join(dir, 'crd.yaml'))).toBe(
      'customresourcedefinition.apiextensions.k8s.io/widgets.example.weft.dev created',
    );
    const widget = (weight: number) =>
      stringify({
        apiVersion: 'example.weft.dev/v1alpha1',
        kind: 'Widget',
        metadata: { name: 'w1', namespace: 'default' },
        spec: { weight },
      });
    writeFileSync(join(dir, 'w1.yaml'), widget(1));
    expect(await kubectl('apply', '-f', join(dir, 'w1.yaml'))).toBe('widget.example.weft.dev/w1 created');
    writeFileSync(join(dir, 'w1.yaml'), widget(2));
    expect(await kubectl('apply', '-f', join(dir, 'w1.yaml'))).toBe('widget.example.weft.dev/w1 configured');
    expect(await kubectl('get', 'wd', 'w1', '-o', 'jsonpath={.spec.weight} {.metadata.generation}')).toBe(
      '2 2',
    );
    expect(await kubectl('get', 'widgets', '-o', 'name')).toBe('widget.example.weft.dev/w1');
    expect(await kubectl('delete', 'widget', 'w1')).toBe('widget.example.weft.dev "w1" deleted');
    expect(server.store.list('example.weft.dev/v1alpha1', 'Widget', 'default')).toEqual([]);
    // kubectl validated server-side (fieldValidation) instead of downloading OpenAPI v2.
    expect(server.requests().some((r) => r.query.includes('fieldValidation=Strict'))).toBe(true);
  });

  it('gets built-in kinds', async () => {
    expect((await kubectl('get', 'namespaces', '-o', 'name')).split('\n')).toContain('namespace/kube-system');
    server.store.seed({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'catalog', namespace: 'default' },
      spec: { ports: [{ port: 80 }] },
    });
    expect(await kubectl('get', 'svc', 'catalog', '-o', 'jsonpath={.spec.ports[0].port}')).toBe('80');
  });

  it.skipIf(repoCrdFiles().length === 0)("applies the repository's crds/", async () => {
    const out = await kubectl('apply', '-f', REPO_CRDS);
    expect(out.split('\n').every((l) => / (created|configured|unchanged)$/.test(l))).toBe(true);
    expect(await kubectl('get', 'crds', '-o', 'name')).toContain(
      'customresourcedefinition.apiextensions.k8s.io/',
    );
  });
});

// `weft check --kubeconfig` against the kube-apiserver stand-in holding what `weft install` renders
// (the Deployment kind served through a CRD: the stand-in has no apps group), plus what a running
// control plane adds (ready replicas, the Lease, the CA Secret, weft-root-ca). A healthy install
// passes; each broken one (webhook CA mismatch, missing CRD, expiring root, foreign CRD before
// install, no API server) fails or warns on exactly its check, with the right hint.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckReport } from '../../cli/check/command.ts';
import { installObjects } from '../../cli/install/manifests.ts';
import { generateWebhookTls } from '../../cli/install/webhook-tls.ts';
import { weft } from '../e2e/weft-cli.ts';
import { startKubeApiServer, type KubeApiServer, type KubeObject } from '../kube-apiserver/index.ts';
import { meshedNamespace } from '../kube/helpers.ts';

const DAY = 86_400_000;
const NS = 'weft-system';
const SERVED_BY_STANDIN = new Set([
  'Namespace',
  'CustomResourceDefinition',
  'Secret',
  'Deployment',
  'Service',
  'MutatingWebhookConfiguration',
]);

interface Install {
  readonly dropCrd?: string;
  readonly foreignWebhookCa?: boolean;
  readonly rootValidityMs?: number;
}

let api: KubeApiServer | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const kubeconfigOf = async (server: KubeApiServer): Promise<string> => {
  const file = join(await mkdtemp(join(tmpdir(), 'weft-check-')), 'kubeconfig');
  await writeFile(file, server.kubeConfig().exportConfig());
  return file;
};

const tls = (validityMs?: number) =>
  generateWebhookTls({
    service: 'weft-control-plane',
    namespace: NS,
    nowMs: Date.now(),
    ...(validityMs ? { validityMs } : {}),
  });

/** What `weft install` applies and a healthy control plane then writes. */
const installed = async (o: Install): Promise<KubeApiServer> => {
  const webhookTls = await tls();
  const objects = installObjects({
    image: 'weft:test',
    trustDomain: 'cluster.local',
    replicas: 2,
    namespace: NS,
    webhookTls,
  }) as KubeObject[];
  const server = await startKubeApiServer({
    resources: [{ group: 'apps', kind: 'Deployment', versions: ['v1'] }],
  });
  for (const obj of objects) {
    if (!SERVED_BY_STANDIN.has(String(obj.kind))) continue;
    if (obj.kind === 'CustomResourceDefinition' && obj.metadata?.name === o.dropCrd) continue;
    if (obj.kind === 'MutatingWebhookConfiguration' && o.foreignWebhookCa) {
      const other = Buffer.from((await tls()).caPem).toString('base64');
      const hooks = (obj as unknown as { webhooks: { clientConfig: { caBundle: string } }[] }).webhooks;
      for (const h of hooks) h.clientConfig.caBundle = other;
    }
    if (obj.kind === 'Deployment')
      (obj as unknown as { status: object }).status = { replicas: 2, readyReplicas: 2 };
    server.store.seed(obj);
  }
  const root = await tls(o.rootValidityMs);
  server.store.seed({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'weft-ca', namespace: NS },
    data: { 'cert.pem': Buffer.from(root.caPem).toString('base64') },
  });
  server.store.seed({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'weft-control-plane', namespace: NS },
    spec: {
      holderIdentity: 'weft-control-plane-0',
      leaseDurationSeconds: 15,
      renewTime: new Date().toISOString(),
    },
  });
  server.store.seed(meshedNamespace('shop'));
  server.store.seed({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'weft-root-ca', namespace: 'shop' },
    data: { 'root-cert.pem': root.caPem },
  });
  return server;
};

const check = async (server: KubeApiServer, ...args: string[]) => {
  const r = await weft(['check', '--kubeconfig', await kubeconfigOf(server), '-o', 'json', ...args]);
  return { code: r.code, report: JSON.parse(r.stdout) as CheckReport };
};
const notPassed = (r: CheckReport) => r.checks.filter((c) => c.status !== 'pass');

describe('weft check --kubeconfig', () => {
  it('passes a healthy installation', async () => {
    api = await installed({});
    const { code, report } = await check(api);
    expect(notPassed(report)).toEqual([]);
    expect(report.checks.map((c) => c.group)).toEqual(
      expect.arrayContaining(['CRDs', 'control plane', 'webhook', 'identity']),
    );
    expect(report.checks.find((c) => c.name === 'one control-plane replica leads')?.detail).toBe(
      'weft-control-plane-0',
    );
    expect(report.checks.some((c) => c.name === 'weft-root-ca ConfigMap in shop')).toBe(true);
    expect(code).toBe(0);
  });

  it('fails a webhook caBundle that does not verify the serving certificate', async () => {
    api = await installed({ foreignWebhookCa: true });
    const { code, report } = await check(api);
    expect(notPassed(report).map((c) => [c.status, c.name])).toEqual([
      ['fail', 'webhook CA bundle verifies the serving certificate'],
    ]);
    expect(notPassed(report)[0]?.hint).toMatch(
      /writes Secret weft-system\/weft-webhook-tls and the caBundle together/,
    );
    expect(code).toBe(1);
  });

  it('fails a missing CRD with the install command', async () => {
    api = await installed({ dropCrd: 'trafficsplits.split.smi-spec.io' });
    const { code, report } = await check(api);
    expect(notPassed(report).map((c) => [c.status, c.name, c.detail, c.hint])).toEqual([
      [
        'fail',
        'trafficsplits.split.smi-spec.io is installed',
        'not found',
        'install the CRDs: `weft install | kubectl apply -f -`',
      ],
    ]);
    expect(code).toBe(1);
  });

  it('warns about a CA root close to expiry with the rotation runbook', async () => {
    api = await installed({ rootValidityMs: 5 * DAY });
    const { code, report } = await check(api);
    expect(notPassed(report).map((c) => [c.status, c.name, c.hint])).toEqual([
      ['warn', 'mesh CA root is valid', 'rotate the root: docs/runbooks/root-rotation.md'],
    ]);
    expect(notPassed(report)[0]?.detail).toMatch(/\(4 days left\)$/);
    expect(code).toBe(0);
  });

  it('--pre: fails a CRD of the same name another installer owns', async () => {
    api = await startKubeApiServer({
      resources: [{ group: 'split.smi-spec.io', kind: 'TrafficSplit', versions: ['v1alpha2'] }],
    });
    const { code, report } = await check(api, '--pre');
    expect(notPassed(report).map((c) => [c.status, c.name])).toEqual([
      ['fail', 'no conflicting CRD trafficsplits.split.smi-spec.io'],
    ]);
    expect(report.checks.find((c) => c.name.startsWith('Kubernetes is'))?.status).toBe('pass');
    expect(code).toBe(1);
  });

  it('says which API server it cannot reach', async () => {
    api = await startKubeApiServer({});
    const file = await kubeconfigOf(api);
    await writeFile(
      file,
      (await import('node:fs')).readFileSync(file, 'utf8').replace(/127\.0\.0\.1:\d+/, '127.0.0.1:1'),
    );
    const r = await weft(['check', '--kubeconfig', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/× Kubernetes API is reachable: http:\/\/127\.0\.0\.1:1/);
    expect(r.stdout).toContain('see: check the kubeconfig context');
  });
});

// Real traffic on the real cluster: pods in network namespaces (pod-network.ts) with addresses of
// their own, reported in their status as a kubelet would, so the real EndpointSlice controller
// lists them; in each, `weft init`'s capture rules, an HTTP app and a `weft proxy` as UID 1337 that
// reaches a `weft control-plane --kubeconfig` replica (as its ServiceAccount) through the veth. A
// client sidecar in the host namespace is called with the Service's name; requests cross both
// sidecars over mTLS, and a TrafficSplit applied with kubectl moves the measured share.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForPortFile } from '../../cli/port-file.ts';
import { metricValue } from '../helpers/metrics.ts';
import { h1Call } from '../helpers/http-clients.ts';
import { inNs, killAll, netnsSkipReason, sh, spawnLine, spawnLogged } from '../capture/netns.ts';
import { makePodNetwork, type NetnsPod, type PodNetwork } from './pod-network.ts';
import { describeRealKube, eventually, useRealKube } from './suite.ts';
import {
  applyWeftInstall,
  meshRootBundle,
  serviceAccountToken,
  startControlPlaneReplica,
  type ControlPlaneReplica,
} from './weft.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'cli', 'main.ts');
const AGENT = join(ROOT, 'test', 'capture', 'netns-agent.ts');
const NS = 'shop';
const SIDECAR_UID = '1337';
const APP_PORT = 8080;
/** Backend pods: name → the version label its Services select it by. */
const BACKENDS = { 'web-v1-0': 'v1', 'web-v2-0': 'v2' } as const;

const skipReason = netnsSkipReason(`weft-kr-probe-${process.pid}`);

const service = (name: string, selector: string): string =>
  [
    'apiVersion: v1',
    'kind: Service',
    `metadata: { name: ${name}, namespace: ${NS} }`,
    `spec: { ports: [{ name: http, port: 80, targetPort: ${APP_PORT}, appProtocol: http }], selector: ${selector} }`,
  ].join('\n');

const split = (v1: number, v2: number): string =>
  [
    'apiVersion: split.smi-spec.io/v1alpha4',
    'kind: TrafficSplit',
    `metadata: { name: web, namespace: ${NS} }`,
    `spec: { service: web, backends: [{ service: web-v1, weight: ${v1} }, { service: web-v2, weight: ${v2} }] }`,
  ].join('\n');

const suite = (): void => {
  const kube = useRealKube();
  let network: PodNetwork | undefined;
  let replica: ControlPlaneReplica | undefined;
  let clientOutbound = 0;
  const sidecarRoot = mkdtempSync(join(tmpdir(), 'weft-kube-real-pods-'));
  chmodSync(sidecarRoot, 0o755);
  const logs = new Map<string, string[]>();
  const apply = (yaml: string): Promise<string> => kube().kubectl(['apply', '-f', '-'], { stdin: yaml });
  const core = (): CoreV1Api => kube().kubeConfig().makeApiClient(CoreV1Api);

  /** The files a sidecar reads, readable by UID 1337: its token and the mesh's root. */
  const sidecarFiles = async (dir: string, serviceAccount: string, root: string) => {
    mkdirSync(dir, { recursive: true, mode: 0o777 });
    chmodSync(dir, 0o777);
    const token = join(dir, 'token');
    writeFileSync(token, await serviceAccountToken(kube(), NS, serviceAccount, ['weft'], 3600), {
      mode: 0o644,
    });
    const ca = join(dir, 'root-cert.pem');
    writeFileSync(ca, root, { mode: 0o644 });
    return ['--token-file', token, '--control-plane-ca', ca, '--port-file', join(dir, 'ports.json')];
  };

  const startSidecar = async (
    name: string,
    serviceAccount: string,
    root: string,
    wrap: (args: string[]) => string[],
    extra: readonly string[],
  ): Promise<{ outbound: number }> => {
    // Outside the cluster's folder, which only root may enter: UID 1337 reads these.
    const dir = join(sidecarRoot, name);
    const log: string[] = [];
    logs.set(name, log);
    const child = spawnLogged(
      wrap([
        ...[process.execPath, CLI, 'proxy', '--control-plane', `${replica!.host}:${replica!.ports.grpc}`],
        ...['--namespace', NS, '--workload', name, '--service-account', serviceAccount],
        ...(await sidecarFiles(dir, serviceAccount, root)),
        ...extra,
      ]),
      log,
    );
    return waitForPortFile<{ outbound: number }>(
      join(dir, 'ports.json'),
      60_000,
      () => child.exitCode === null,
    ).catch((e: Error) => {
      throw new Error(`sidecar ${name}: ${e.message}\n${log.slice(-20).join('\n')}`);
    });
  };

  /** What a kubelet does for a started pod: report its IP and that it is Ready. */
  const reportRunning = (pod: NetnsPod): Promise<string> =>
    kube().kubectl([
      ...['patch', 'pod', pod.name, '-n', NS, '--subresource=status', '--type=merge', '-p'],
      JSON.stringify({
        status: {
          phase: 'Running',
          podIP: pod.ip,
          podIPs: [{ ip: pod.ip }],
          conditions: [{ type: 'Ready', status: 'True' }],
        },
      }),
    ]);

  beforeAll(async () => {
    await applyWeftInstall(kube());
    // The injector is not under test here (webhooks.test.ts): the test starts what it would inject.
    await kube().kubectl(['delete', 'mutatingwebhookconfiguration', 'weft-injector']);
    await core().createNamespace({
      body: { metadata: { name: NS, labels: { 'weft.io/inject': 'enabled' } } },
    });
    for (const sa of ['client', 'web-v1', 'web-v2'])
      await core().createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: sa } } });
    await apply(
      [
        service('web', '{ app: web, version: v1 }'),
        service('web-v1', '{ app: web, version: v1 }'),
        service('web-v2', '{ app: web, version: v2 }'),
      ].join('\n---\n'),
    );
    await core().createNode({
      body: { metadata: { name: 'node-1', labels: { 'kubernetes.io/hostname': 'node-1' } } },
    });
    network = makePodNetwork(Object.keys(BACKENDS));
    // The control plane on a host-end address: every pod reaches it through its own veth.
    replica = await startControlPlaneReplica(kube(), { identity: 'cp-a', host: network.pods[0]!.hostIp });
    const root = await meshRootBundle(kube(), NS);
    for (const pod of network.pods) {
      const version = BACKENDS[pod.name as keyof typeof BACKENDS];
      await apply(
        [
          'apiVersion: v1',
          'kind: Pod',
          `metadata: { name: ${pod.name}, namespace: ${NS}, labels: { app: web, version: ${version} } }`,
          'spec:',
          '  nodeName: node-1',
          `  serviceAccountName: web-${version}`,
          `  containers: [{ name: app, image: example/web:1, ports: [{ containerPort: ${APP_PORT} }] }]`,
        ].join('\n'),
      );
      // What weft-init and the injected containers do in the pod: capture rules, the app, the sidecar.
      sh(inNs(pod.ns, [process.execPath, CLI, 'init', '--exclude-inbound-ports', '15090,15021']));
      const app = await spawnLine(inNs(pod.ns, [process.execPath, AGENT, 'http', `web-${version}`]));
      await startSidecar(
        pod.name,
        `web-${version}`,
        root,
        (args) =>
          inNs(pod.ns, [
            'setpriv',
            `--reuid=${SIDECAR_UID}`,
            `--regid=${SIDECAR_UID}`,
            '--clear-groups',
            ...args,
          ]),
        ['--pod-ip', pod.ip, '--app-port', app],
      );
      await reportRunning(pod);
    }
    // The client: a sidecar in the host namespace, called at its outbound listener by name.
    const client = await startSidecar('client-0', 'client', root, (args) => args, [
      ...['--outbound-port', '0', '--inbound-port', '0', '--admin-port', '0'],
      ...['--metrics-port', '0', '--probe-port', '0', '--listen-host', '127.0.0.1'],
    ]);
    clientOutbound = client.outbound;
  }, 240_000);

  afterAll(async () => {
    killAll();
    await replica?.stop();
    network?.destroy();
    rmSync(sidecarRoot, { recursive: true, force: true });
  });

  /** One call through the client sidecar, bounded at 5 s: the app's name, or the failure. */
  const call = async (): Promise<string> => {
    const reply = await Promise.race([
      h1Call(clientOutbound, { authority: 'web' }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), 5_000)),
    ]).catch((e: Error) => ({ status: 0, body: e.message }));
    if (reply.status !== 200) return `failed ${reply.status} ${String(reply.body)}`;
    return /hello from (\S+)/.exec(String(reply.body))?.[1] ?? `unexpected ${String(reply.body)}`;
  };

  /** `n` calls, 4 at a time: the share each app answered, and the failures. */
  const shares = async (n: number) => {
    const seen: string[] = [];
    const worker = async (): Promise<void> => {
      for (let i = 0; i < n / 4; i++) seen.push(await call());
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    const share = (app: string): number => seen.filter((s) => s === app).length / n;
    return { share, failed: seen.filter((s) => !s.startsWith('web-')) };
  };

  const lastLogs = (): string =>
    [...logs].map(([name, lines]) => `${name}:\n${lines.slice(-15).join('\n')}`).join('\n');

  it('sends requests through both sidecars to the pods the EndpointSlice controller lists', async () => {
    await eventually(async () => (await call()) === 'web-v1', `a reply from web-v1\n${lastLogs()}`, 60_000);
    const all = await shares(40);
    expect(all.failed).toEqual([]);
    expect(all.share('web-v1')).toBe(1);
    // The pod's sidecar accepted them over mTLS: its own count, read inside the pod.
    const pod = network!.pods[0]!;
    const metrics = sh(inNs(pod.ns, ['curl', '-sS', '-m', '5', 'http://127.0.0.1:15090/metrics']));
    expect(
      metricValue(metrics, 'weft_inbound_connections_total', { tls: 'true', result: 'accepted' }),
    ).toBeGreaterThan(0);
    expect(metricValue(metrics, 'weft_inbound_connections_total', { tls: 'false', result: 'accepted' })).toBe(
      0,
    );
  });

  it('moves the measured share when a TrafficSplit is applied with kubectl', async () => {
    await apply(split(75, 25));
    await eventually(async () => (await call()) === 'web-v2', 'a reply from web-v2 after the split', 30_000);
    // 400 calls at p = 0.25: the share's standard deviation is 0.022; ±0.08 is over 3.5 of them.
    const quarter = await shares(400);
    expect(quarter.failed).toEqual([]);
    expect(Math.abs(quarter.share('web-v2') - 0.25)).toBeLessThan(0.08);
    await apply(split(0, 100));
    await eventually(
      async () => (await shares(8)).share('web-v2') === 1,
      'every reply from web-v2 after 0/100',
      30_000,
    );
    const all = await shares(40);
    expect([all.share('web-v2'), all.failed]).toEqual([1, []]);
  });
};

if (skipReason) describe.skip(`real traffic on the real kube-apiserver (skipped: ${skipReason})`, suite);
else describeRealKube('real traffic through sidecars on the real kube-apiserver', suite);

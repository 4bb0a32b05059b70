// End to end with real processes: `weft control-plane --ca-dir --cert-ttl 6s` (creates the CA
// directory and token key), two `weft proxy --token-file` sidecars (client → server → echo app),
// and an in-process prober sidecar that makes a fresh mTLS handshake to the server every 25 ms.
// A token for one service account cannot get another's certificate; certificates renew several
// times and the root is rotated (add → switch → remove with `weft ca rotate`) under ≥ 200 req/s
// with zero failed requests, probes or handshakes.
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import { systemClock } from '../../api/runtime/clock.ts';
import type { RunningSidecar } from '../../proxy/sidecar/start-sidecar.ts';
import { issueLocalToken } from '../../control-plane/identity/local-token.ts';
import { readTokenKey } from '../../control-plane/identity/token-key-file.ts';
import { grpcCaSigner } from '../../proxy/identity/ca-client.ts';
import { startH1Echo, type App } from '../helpers/apps.ts';
import { metricValue, scrape } from '../helpers/metrics.ts';
import { makeCsr } from '../identity/fixtures.ts';
import { eventually, sidecarAt } from './harness.ts';
import { startLoad, startProber, type Load, type LoadResult } from './load.ts';
import { stopAll, weftOnce, weftServing, type CliProcess } from './processes.ts';

interface SidecarPorts {
  outbound: number;
  inbound: number;
  admin: number;
  metrics: number;
}
const RPS = 250;
const spiffe = (sa: string): string => `spiffe://cluster.local/ns/demo/sa/${sa}`;
const SERVICE = `apiVersion: v1
kind: Service
metadata: { name: echo, namespace: demo }
spec: { ports: [{ port: 80, targetPort: 8080 }] }
`;
const count = (text: string, what: string): number => text.split(what).length - 1;

describe('mTLS in a running mesh (processes)', () => {
  let dir: string;
  let caDir: string;
  let cpAddress: string;
  let app: App;
  let key: Uint8Array;
  const sidecars: Record<'client' | 'server', { proc: CliProcess; ports: SidecarPorts }> = {} as never;
  let prober: RunningSidecar;

  const token = (sa: string): string =>
    issueLocalToken({ key, namespace: 'demo', serviceAccount: sa, clock: systemClock });
  const tokenFile = async (sa: string): Promise<string> => {
    const path = join(dir, `${sa}.token`);
    await writeFile(path, token(sa));
    return path;
  };
  const startProxy = async (name: 'client' | 'server', extra: string[]): Promise<void> => {
    const [proc, ports] = await weftServing<SidecarPorts>(
      [
        ...['proxy', '--control-plane', cpAddress, '--workload', name, '--namespace', 'demo'],
        ...['--token-file', await tokenFile(name), '--listen-host', '127.0.0.1'],
        ...['--outbound-port', '0', '--inbound-port', '0', '--admin-port', '0', '--metrics-port', '0'],
        ...extra,
      ],
      join(dir, `${name}.ports`),
    );
    sidecars[name] = { proc, ports };
  };
  const snapshotOf = async (name: 'client' | 'server'): Promise<ProxySnapshot> =>
    (
      (await (await fetch(`http://127.0.0.1:${sidecars[name].ports.admin}/config`)).json()) as {
        snapshot: ProxySnapshot;
      }
    ).snapshot;
  const handshakeFailures = async (): Promise<number> => {
    let sum = 0;
    for (const s of Object.values(sidecars))
      sum += metricValue(await scrape(s.ports.metrics), 'weft_tls_handshake_failures_total', {});
    return sum;
  };
  const bundlesAre = (n: number) => async () => {
    for (const name of ['client', 'server'] as const)
      if ((await snapshotOf(name)).trustBundle?.length !== n) return false;
    return prober.identity?.trustBundle().length === n;
  };
  const runUnderLoad = async (what: (load: Load) => Promise<void>): Promise<[LoadResult, LoadResult]> => {
    const load = startLoad({
      port: sidecars.client.ports.outbound,
      authority: 'echo',
      rps: RPS,
      maxMs: 40_000,
    });
    const serverEndpoint = {
      address: '127.0.0.1',
      port: sidecars.server.ports.inbound,
      identity: spiffe('server'),
    };
    const probe = startProber({
      material: prober.identity!,
      endpoint: serverEndpoint,
      everyMs: 25,
      maxMs: 40_000,
    });
    try {
      await what(load);
    } finally {
      await Promise.all([load.stop(), probe.stop()]);
    }
    return [load.result, probe.result];
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-mtls-e2e-'));
    caDir = join(dir, 'ca');
    await mkdir(join(dir, 'config'));
    await writeFile(join(dir, 'config', 'mesh.yaml'), SERVICE);
    const [, cpPorts] = await weftServing<{ grpc: number }>(
      [
        ...['control-plane', '--config-dir', join(dir, 'config'), '--grpc-port', '0', '--admin-port', '0'],
        ...['--ca-dir', caDir, '--cert-ttl', '6s', '--ca-poll', '200ms', '--log-level', 'warn'],
      ],
      join(dir, 'cp.ports'),
    );
    cpAddress = `127.0.0.1:${cpPorts.grpc}`;
    const k = await readTokenKey(join(caDir, 'token.key'));
    if (!k.ok) throw new Error(JSON.stringify(k.error));
    key = k.value;
    app = await startH1Echo('echo-app');
    await startProxy('server', ['--service', 'echo', '--app-port', String(app.port)]);
    await startProxy('client', ['--app-port', '1']);
    prober = await sidecarAt(cpAddress, await tokenFile('prober'), { workload: 'prober', appPort: 1 });
    await eventually(
      async () => ((await snapshotOf('client')).services['demo/echo']?.endpoints.length ?? 0) > 0,
      10_000,
      'the server to be an endpoint of echo',
    );
  }, 60_000);
  afterAll(async () => {
    await prober?.close();
    await stopAll();
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('created the CA directory and token key, and refuses a token for `a` asking for `b`', async () => {
    expect(existsSync(join(caDir, 'state.json'))).toBe(true);
    const signer = grpcCaSigner({ address: cpAddress });
    const csrB = await makeCsr({ sans: [{ type: 'url', value: spiffe('b') }] });
    const refused = await signer.sign({ csr_pem: csrB, token: token('a') }).then(
      () => undefined,
      (e: grpc.ServiceError) => e,
    );
    expect(refused?.code).toBe(7); // PERMISSION_DENIED
    expect(refused?.details).toMatch(/^IDENTITY_MISMATCH: /);
    // The same token does get its own identity, and a forged token gets nothing.
    const csrA = await makeCsr({ sans: [{ type: 'url', value: spiffe('a') }] });
    expect((await signer.sign({ csr_pem: csrA, token: token('a') })).cert_chain_pem.length).toBe(1);
    const forged = await signer
      .sign({ csr_pem: csrA, token: `${token('a')}x` })
      .catch((e: grpc.ServiceError) => e);
    expect((forged as grpc.ServiceError).code).toBe(16); // UNAUTHENTICATED
  });

  it(
    `renews certificates several times under ${RPS} req/s with no failed request or handshake`,
    { timeout: 60_000 },
    async () => {
      const installed = () => ({
        client: count(sidecars.client.proc.output(), 'certificate installed'),
        server: count(sidecars.server.proc.output(), 'certificate installed'),
      });
      const before = installed();
      const [load, probe] = await runUnderLoad(() => new Promise((r) => setTimeout(r, 14_000)));
      const after = installed();
      console.log(`leaf rotation: ${JSON.stringify({ load, probe, before, after })}`);
      // 6 s certificates renew at ~70 %: about three renewals each in 14 s.
      expect(after.client - before.client).toBeGreaterThanOrEqual(2);
      expect(after.server - before.server).toBeGreaterThanOrEqual(2);
      expect(load.sent).toBeGreaterThanOrEqual(RPS * 13);
      expect(load.failed, load.errors.join('; ')).toBe(0);
      expect(probe.ok).toBeGreaterThan(200);
      expect(probe.failed, probe.errors.join('; ')).toBe(0);
      expect(await handshakeFailures()).toBe(0);
    },
  );

  it(
    `rotates the root (add → switch → remove) under ${RPS} req/s with no failed request or handshake`,
    { timeout: 60_000 },
    async () => {
      const rotate = async (stage: string): Promise<void> => {
        const r = await weftOnce(['ca', 'rotate', '--dir', caDir, '--stage', stage]);
        expect(r.code, r.output).toBe(0);
      };
      const earlyRenewals = () =>
        count(sidecars.client.proc.output() + sidecars.server.proc.output(), 'renewing now');
      /** Whether every sidecar's newest certificate was signed by authority `id`. */
      const allSignedBy = (id: string) => (): boolean => {
        const lastInstalled = (out: string): string =>
          out
            .split('\n')
            .filter((l) => l.includes('certificate installed'))
            .at(-1) ?? '';
        const processes = [sidecars.client, sidecars.server].every((s) =>
          lastInstalled(s.proc.output()).includes(id),
        );
        const leaf = prober.identity?.certificateChain()[0];
        return processes && leaf !== undefined && new X509Certificate(leaf).issuer.includes(id);
      };
      const [load, probe] = await runUnderLoad(async () => {
        await new Promise((r) => setTimeout(r, 1_000));
        await rotate('add');
        await eventually(bundlesAre(2), 10_000, 'every sidecar to trust both roots');
        await new Promise((r) => setTimeout(r, 1_000));
        const early = earlyRenewals();
        await rotate('switch');
        const { active } = JSON.parse(await readFile(join(caDir, 'state.json'), 'utf8')) as {
          active: string;
        };
        // Renewed at once (not at ~70 % of the certificate's life), and onto the new root.
        await eventually(
          () => earlyRenewals() >= early + 2,
          3_000,
          'both sidecars to renew after the switch',
        );
        await eventually(allSignedBy(active), 3_000, `every sidecar to hold a certificate from ${active}`);
        await new Promise((r) => setTimeout(r, 1_000));
        await rotate('remove');
        await eventually(bundlesAre(1), 10_000, 'every sidecar to drop the old root');
        await new Promise((r) => setTimeout(r, 2_000));
      });
      console.log(`root rotation: ${JSON.stringify({ load, probe })}`);
      expect(load.failed, load.errors.join('; ')).toBe(0);
      expect(load.sent).toBeGreaterThan(RPS * 4);
      expect(probe.failed, probe.errors.join('; ')).toBe(0);
      expect(await handshakeFailures()).toBe(0);
    },
  );
});

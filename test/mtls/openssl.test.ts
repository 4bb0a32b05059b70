// openssl s_client against a real STRICT sidecar inbound port whose certificate came from the
// running control plane's CA: only a client presenting a valid mesh certificate gets through to
// the app; no certificate, a certificate from another CA and an expired one are refused, and
// each refusal is counted in weft_tls_handshake_failures_total{direction="inbound"}. A client that
// sends no server name (SNI), as many stacks do when dialing an IP, gets the workload certificate
// too, also after it has been renewed.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../api/runtime/clock.ts';
import { caInit } from '../../cli/ca/command.ts';
import type { RunningSidecar } from '../../proxy/sidecar/start-sidecar.ts';
import { createCa, type CertificateAuthority } from '../../control-plane/identity/ca.ts';
import { loadCaDir } from '../../control-plane/identity/ca-dir.ts';
import { grpcCaSigner } from '../../proxy/identity/ca-client.ts';
import { run, tempDir, type TempDir } from '../identity/fixtures.ts';
import { startH1Echo, type App } from '../helpers/apps.ts';
import { metricValue, scrape } from '../helpers/metrics.ts';
import { meshSidecar, startMeshControlPlane, type MeshControlPlane } from './harness.ts';

const TESTER = 'spiffe://cluster.local/ns/demo/sa/tester';
const HOUR = 3_600_000;
const SERVICE = `apiVersion: v1
kind: Service
metadata: { name: secure, namespace: demo }
spec: { ports: [{ port: 80, targetPort: 8080 }] }
`;

const loadAuthorities = async (dir: string) => {
  const loaded = await loadCaDir(dir);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
  return loaded.value;
};

describe('openssl s_client against a STRICT sidecar', () => {
  let mesh: MeshControlPlane;
  let app: App;
  let sidecar: RunningSidecar;
  let tmp: TempDir;
  let keyFile: string;
  let csr: string;

  /** A P-256 key and CSR for TESTER made by openssl, as a non-weft client would. */
  const makeKeyAndCsr = async (): Promise<void> => {
    keyFile = `${tmp.dir}/client.key`;
    const r = await run('openssl', [
      ...['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
      ...['-keyout', keyFile, '-subj', '/O=tester', '-addext', `subjectAltName=URI:${TESTER}`],
    ]);
    expect(r.code, r.stderr).toBe(0);
    csr = r.stdout;
  };

  /** Signs the CSR with `ca` and writes leaf + intermediates to a file. */
  const certFrom = async (ca: CertificateAuthority, name: string): Promise<string> => {
    const issued = await ca.sign(csr, { namespace: 'demo', serviceAccount: 'tester' });
    if (!issued.ok) throw new Error(issued.error.message);
    return tmp.write(name, issued.value.certChainPem.join(''));
  };

  const failures = async (): Promise<number> =>
    metricValue(await scrape(sidecar.proxy.ports.metrics), 'weft_tls_handshake_failures_total', {
      direction: 'inbound',
    });

  const sClient = (cert?: string, serverName: string[] = ['-servername', 'weft.mesh'], quiet = true) =>
    run(
      'openssl',
      [
        ...['s_client', '-connect', `127.0.0.1:${sidecar.proxy.ports.inbound}`, ...serverName],
        ...[
          '-tls1_3',
          ...(quiet ? ['-quiet'] : ['-ign_eof']),
          '-CAfile',
          `${tmp.dir}/roots.pem`,
          '-verify_return_error',
        ],
        ...(cert ? ['-cert', cert, '-key', keyFile] : []),
      ],
      'GET /hello HTTP/1.1\r\nHost: secure\r\nConnection: close\r\n\r\n',
    );

  /** A client certificate for TESTER from the running CA, over its gRPC API with a token. */
  const validCert = async (): Promise<string> => {
    const token = readFile(await mesh.tokenFile('demo', 'tester'), 'utf8');
    const res = await grpcCaSigner({ address: mesh.cp.grpcAddress }).sign({
      csr_pem: csr,
      token: await token,
    });
    return tmp.write('valid.pem', res.cert_chain_pem.join(''));
  };

  /** Handshake without SNI; returns the certificate the sidecar served, and what the app answered. */
  const withoutSni = async (cert: string): Promise<{ served: X509Certificate; stdout: string }> => {
    const r = await sClient(cert, [], false);
    const pem = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/.exec(r.stdout)?.[0];
    expect(pem, `s_client printed no server certificate: ${r.stderr}`).toBeDefined();
    return { served: new X509Certificate(pem as string), stdout: r.stdout };
  };

  beforeAll(async () => {
    tmp = await tempDir();
    mesh = await startMeshControlPlane({ 'mesh.yaml': SERVICE });
    app = await startH1Echo('secure-app');
    sidecar = await meshSidecar(mesh, { workload: 'secure', service: 'secure', appPort: app.port });
    await tmp.write('roots.pem', mesh.identity.trustBundle().join(''));
    await makeKeyAndCsr();
  }, 30_000);
  afterAll(async () => {
    await sidecar?.close();
    await app?.close();
    await mesh?.close();
    await tmp?.remove();
  });

  it('serves a certificate naming the workload, issued by the running CA', () => {
    const chain = sidecar.identity?.certificateChain() ?? [];
    expect(chain.length).toBeGreaterThan(0);
    expect(sidecar.identity?.identity()).toBe('spiffe://cluster.local/ns/demo/sa/secure');
  });

  it('lets a valid mesh certificate (issued over the CA gRPC API with a token) through to the app', async () => {
    const cert = await validCert();
    const before = app.requests;
    const r = await sClient(cert);
    expect(r.stdout).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(r.stdout).toContain('x-app: secure-app');
    expect(r.stdout).toContain('x-echo-path: /hello');
    expect(app.requests).toBe(before + 1);
  });

  it('serves the workload certificate to a client that sends no server name, before and after renewal', async () => {
    const cert = await validCert();
    const before = app.requests;
    const first = await withoutSni(cert);
    expect(first.served.subjectAltName).toBe('URI:spiffe://cluster.local/ns/demo/sa/secure');
    expect(
      first.served.raw.equals(new X509Certificate(sidecar.identity?.certificateChain()[0] ?? '').raw),
    ).toBe(true);
    expect(first.stdout).toContain('HTTP/1.1 200 OK');
    expect(app.requests).toBe(before + 1);

    // A renewed certificate is what the next SNI-less client gets, not the one served first.
    const renewed = new Promise<void>((resolve) => {
      const stop = sidecar.identity?.onChange(() => {
        stop?.();
        resolve();
      });
    });
    sidecar.identity?.renewNow();
    await renewed;
    const second = await withoutSni(cert);
    expect(second.served.serialNumber).not.toBe(first.served.serialNumber);
    expect(
      second.served.raw.equals(new X509Certificate(sidecar.identity?.certificateChain()[0] ?? '').raw),
    ).toBe(true);
    expect(second.served.subjectAltName).toBe('URI:spiffe://cluster.local/ns/demo/sa/secure');
  });

  it.each([
    ['no client certificate', async () => undefined],
    [
      'a certificate from another CA',
      async () => {
        await caInit(`${tmp.dir}/other-ca`, { trustDomain: 'cluster.local' });
        const other = await createCa({ authorities: await loadAuthorities(`${tmp.dir}/other-ca`) });
        return certFrom(other, 'other.pem');
      },
    ],
    [
      'an expired certificate from the mesh CA',
      async () => {
        // Same root, clock three hours back, one-hour lifetime: expired two hours ago.
        const past = createCa({
          authorities: await loadAuthorities(mesh.caDir),
          clock: { wallNow: () => systemClock.wallNow() - 3 * HOUR },
          workloadTtlMs: HOUR,
          skewMs: 0,
        });
        return certFrom(await past, 'expired.pem');
      },
    ],
  ])('refuses %s', async (_name, cert) => {
    const before = { requests: app.requests, failures: await failures() };
    const r = await sClient(await cert());
    // TLS 1.3: the client finishes its handshake first; the server then checks the certificate
    // and answers with an alert, or closes / resets the connection (errno 104) without one.
    // Which of the three the client sees depends on timing; all mean "refused", and the
    // server-side failure counter below shows the sidecar rejected it.
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/alert certificate required|unexpected eof|errno=104/);
    expect(r.stdout).not.toContain('HTTP/1.1');
    expect(app.requests).toBe(before.requests);
    expect(await failures()).toBe(before.failures + 1);
  });
});

// openssl as the independent verifier: issued chains verify (self-generated ECDSA root and
// operator-supplied RSA/ECDSA root + intermediate), the SPIFFE SAN and the lifetime show in
// `x509 -text`, and `s_client` against a STRICT-style mTLS listener built from the sidecar
// identity is refused without a mesh certificate and accepted with one.
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../api/runtime/clock.ts';
import { formatIssues } from '../../api/model/result.ts';
import { loadAuthority } from '../../control-plane/identity/authority.ts';
import { createCa, type CaAuthorities, type CertificateAuthority } from '../../control-plane/identity/ca.ts';
import { createLocalTokenValidator, issueLocalToken } from '../../control-plane/identity/local-token.ts';
import { generateRoot } from '../../control-plane/identity/root.ts';
import { startIdentity, type SidecarIdentity } from '../../proxy/identity/start-identity.ts';
import { generateWorkloadKey } from '../../proxy/identity/workload-key.ts';
import { run, serveCa, spiffe, tempDir, type ServedCa, type TempDir } from './fixtures.ts';

const key = new Uint8Array(32).fill(3);
const token = (sa: string): string =>
  issueLocalToken({ key, namespace: 'demo', serviceAccount: sa, clock: systemClock });

const authoritiesOf = async (files: {
  certPem: string;
  keyPem: string;
  chainPem?: string;
}): Promise<CaAuthorities> => {
  const a = await loadAuthority({ id: 'test', ...files });
  if (!a.ok) throw new Error(formatIssues(a.error));
  return { active: a.value };
};

/** A certificate + key on disk for s_client, issued by `ca` for demo/<sa>. */
const clientCert = async (ca: CertificateAuthority, sa: string, tmp: TempDir, name: string) => {
  const k = await generateWorkloadKey(spiffe('demo', sa));
  const issued = await ca.sign(k.csrPem, { namespace: 'demo', serviceAccount: sa });
  if (!issued.ok) throw new Error(issued.error.message);
  return {
    cert: await tmp.write(`${name}.pem`, issued.value.certChainPem.join('')),
    key: await tmp.write(`${name}.key`, k.privateKeyPem),
  };
};

let tmp: TempDir;
let root: { certPem: string; keyPem: string };
let meshCa: CertificateAuthority;
let served: ServedCa;

beforeAll(async () => {
  tmp = await tempDir();
  root = await generateRoot({ trustDomain: 'cluster.local', clock: systemClock });
  meshCa = await createCa({ authorities: await authoritiesOf(root) });
  served = await serveCa(meshCa, createLocalTokenValidator({ key, clock: systemClock }));
});
afterAll(async () => {
  await served.close();
  await tmp.remove();
});

describe('issued chains verify with openssl', () => {
  it('self-generated ECDSA root: verify, SPIFFE URI SAN, 24 h + 5 min lifetime', async () => {
    const c = await clientCert(meshCa, 'web', tmp, 'web');
    const rootFile = await tmp.write('root.pem', root.certPem);
    const verified = await run('openssl', ['verify', '-CAfile', rootFile, c.cert]);
    expect(verified.stdout.trim()).toBe(`${c.cert}: OK`);
    const text = await run('openssl', ['x509', '-in', c.cert, '-noout', '-text']);
    expect(text.stdout).toContain('URI:spiffe://cluster.local/ns/demo/sa/web');
    expect(text.stdout).toMatch(/CA:FALSE/);
    expect(text.stdout).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/);
    const nb = /Not Before: (.+)/.exec(text.stdout)?.[1] ?? '';
    const na = /Not After : (.+)/.exec(text.stdout)?.[1] ?? '';
    expect(Date.parse(na) - Date.parse(nb)).toBe(86_400_000 + 300_000);
  });

  const opensslCa = async (rootAlg: string[], intAlg: string[]): Promise<Record<string, string>> => {
    const t = await tempDir();
    const f = (n: string): string => `${t.dir}/${n}`;
    const ext = await t.write(
      'int.cnf',
      'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n',
    );
    const steps: string[][] = [
      [
        'req',
        '-x509',
        ...rootAlg,
        '-nodes',
        '-keyout',
        f('root.key'),
        '-out',
        f('root.pem'),
        '-days',
        '30',
        '-subj',
        '/O=operator/CN=operator root',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      [
        'req',
        '-new',
        ...intAlg,
        '-nodes',
        '-keyout',
        f('int.key'),
        '-out',
        f('int.csr'),
        '-subj',
        '/O=operator/CN=operator intermediate',
      ],
      [
        'x509',
        '-req',
        '-in',
        f('int.csr'),
        '-CA',
        f('root.pem'),
        '-CAkey',
        f('root.key'),
        '-set_serial',
        '2',
        '-days',
        '30',
        '-out',
        f('int.pem'),
        '-extfile',
        ext,
      ],
    ];
    for (const s of steps) expect((await run('openssl', s)).code).toBe(0);
    return { dir: t.dir, root: f('root.pem'), int: f('int.pem'), intKey: f('int.key') };
  };

  it.each([
    [
      'RSA root, ECDSA intermediate',
      ['-newkey', 'rsa:2048'],
      ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
    ],
    [
      'ECDSA root, RSA intermediate',
      ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
      ['-newkey', 'rsa:2048'],
    ],
  ])('operator-supplied %s: openssl verify -untrusted accepts the chain', async (_n, rootAlg, intAlg) => {
    const o = await opensslCa(rootAlg, intAlg);
    const { readFile } = await import('node:fs/promises');
    const ca = await createCa({
      authorities: await authoritiesOf({
        certPem: await readFile(o.int as string, 'utf8'),
        keyPem: await readFile(o.intKey as string, 'utf8'),
        chainPem: await readFile(o.root as string, 'utf8'),
      }),
    });
    const k = await generateWorkloadKey(spiffe('demo', 'api'));
    const issued = await ca.sign(k.csrPem, { namespace: 'demo', serviceAccount: 'api' });
    if (!issued.ok) throw new Error(issued.error.message);
    expect(issued.value.certChainPem).toHaveLength(2); // leaf + intermediate
    const leaf = await tmp.write('op-leaf.pem', issued.value.certChainPem[0] as string);
    const inter = await tmp.write('op-int.pem', issued.value.certChainPem[1] as string);
    const verified = await run('openssl', ['verify', '-CAfile', o.root as string, '-untrusted', inter, leaf]);
    expect(verified.stdout.trim()).toBe(`${leaf}: OK`);
    // The bundle the sidecars get is the operator's root, not the intermediate.
    expect(issued.value.trustBundlePem[0]?.trim()).toBe((await readFile(o.root as string, 'utf8')).trim());
    const noRoot = await run('openssl', ['verify', '-CAfile', inter, leaf]);
    expect(noRoot.code).not.toBe(0);
  });
});

describe('STRICT mTLS listener from the sidecar identity, probed with openssl s_client', () => {
  let identity: SidecarIdentity;
  let server: Server;
  let port = 0;
  const accepted: string[] = [];
  const refused: string[] = [];

  beforeAll(async () => {
    identity = startIdentity({
      caAddress: served.address,
      token: token('server'),
      identity: spiffe('demo', 'server'),
    });
    await identity.ready();
    // Configured as a STRICT inbound listener would be: client certificate required and checked
    // against the mesh bundle only, TLS 1.3 only.
    // tls.Server ignores a `secureContext` option; SNICallback hands each handshake the identity's
    // current context (so rotation applies to new connections).
    server = createServer(
      {
        SNICallback: (_name, cb) => cb(null, identity.secureContext()),
        requestCert: true,
        rejectUnauthorized: true,
        minVersion: 'TLSv1.3',
      },
      (s: TLSSocket) => {
        s.on('error', () => undefined); // a client hanging up mid-write is not the test's concern
        accepted.push(String(s.getPeerCertificate().subjectaltname));
        s.end('hello-mesh\n');
      },
    );
    server.on('tlsClientError', (e: Error & { code?: string }) => refused.push(e.code ?? e.message));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    identity.close();
    await new Promise((r) => server.close(r));
  });

  // Node checks client certificates after the TLS 1.3 handshake and just closes the connection
  // (no alert), so openssl verify against the mesh root states why the certificate is refused.
  const verifyReason = async (certFile: string): Promise<string> => {
    const r = await run('openssl', [
      'verify',
      '-CAfile',
      await tmp.write('mesh-root.pem', root.certPem),
      certFile,
    ]);
    return r.stdout + r.stderr;
  };

  const probe = async (extra: string[]) => {
    const rootFile = await tmp.write('mesh-root.pem', root.certPem);
    const before = refused.length;
    const r = await run('openssl', [
      's_client',
      '-connect',
      `127.0.0.1:${port}`,
      '-tls1_3',
      '-servername',
      'server.demo',
      '-CAfile',
      rootFile,
      '-verify_return_error',
      '-ign_eof',
      ...extra,
    ]);
    return { out: r.stdout + r.stderr, got: r.stdout.includes('hello-mesh'), refusedCode: refused[before] };
  };

  it('refuses a client without a certificate', async () => {
    const p = await probe([]);
    expect(p.got).toBe(false);
    expect(p.refusedCode).toBe('ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE');
    expect(p.out).toMatch(/certificate required/);
  });

  it('refuses a client certificate from another CA', async () => {
    const other = await createCa();
    const c = await clientCert(other, 'client', tmp, 'other-ca');
    const p = await probe(['-cert', c.cert, '-key', c.key]);
    expect(p.got).toBe(false);
    expect(p.out).toMatch(/verify return:1/); // the client did accept the server; the server refused
    expect(await verifyReason(c.cert)).toMatch(/unable to get local issuer certificate/);
  });

  it('refuses an expired mesh certificate', async () => {
    const longAgo = new ManualClock(Date.now() - 3 * 86_400_000);
    const stale = await createCa({
      authorities: await authoritiesOf(root),
      clock: longAgo,
      workloadTtlMs: 3_600_000,
    });
    const c = await clientCert(stale, 'client', tmp, 'expired');
    const p = await probe(['-cert', c.cert, '-key', c.key]);
    expect(p.got).toBe(false);
    expect(p.out).toMatch(/verify return:1/);
    expect(await verifyReason(c.cert)).toMatch(/certificate has expired/);
  });

  it('accepts a valid mesh certificate and sees its SPIFFE ID', async () => {
    const res = await clientCert(meshCa, 'client', tmp, 'valid');
    const p = await probe(['-cert', res.cert, '-key', res.key]);
    expect(p.got).toBe(true);
    expect(p.out).toMatch(/TLSv1\.3/);
    expect(accepted.at(-1)).toBe('URI:spiffe://cluster.local/ns/demo/sa/client');
  });
});

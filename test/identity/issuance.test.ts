// The CA over real gRPC (127.0.0.1:0): a token proves one identity and nothing else; malformed
// or over-reaching CSRs are refused with a coded INVALID_ARGUMENT; the CA keeps serving after.
import { status, type ServiceError } from '@grpc/grpc-js';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../api/runtime/clock.ts';
import { createCa } from '../../control-plane/identity/ca.ts';
import { createLocalTokenValidator, issueLocalToken } from '../../control-plane/identity/local-token.ts';
import { grpcCaSigner, type CaSigner } from '../../proxy/identity/ca-client.ts';
import { makeCsr, serveCa, spiffe, type CsrSpec, type ServedCa } from './fixtures.ts';

const clock = new ManualClock(Date.UTC(2026, 0, 1));
const key = new Uint8Array(32).fill(7);
const tokenFor = (ns: string, sa: string): string =>
  issueLocalToken({ key, namespace: ns, serviceAccount: sa, clock, ttlMs: 3_600_000 });

let served: ServedCa;
let signer: CaSigner;

beforeAll(async () => {
  const ca = await createCa({ clock });
  served = await serveCa(ca, createLocalTokenValidator({ key, clock }));
  signer = grpcCaSigner({ address: served.address, timeoutMs: 5000 });
});
afterAll(() => served.close());

const refusal = async (csr: string, token: string): Promise<ServiceError> => {
  const e = await signer.sign({ csr_pem: csr, token }).then(
    () => undefined,
    (x: ServiceError) => x,
  );
  if (!e) throw new Error('expected the CA to refuse');
  return e;
};

const validSign = async (): Promise<void> => {
  const res = await signer.sign({
    csr_pem: await makeCsr({ sans: [{ type: 'url', value: spiffe('demo', 'a') }] }),
    token: tokenFor('demo', 'a'),
  });
  expect(new X509Certificate(res.cert_chain_pem[0] as string).subjectAltName).toBe(
    `URI:${spiffe('demo', 'a')}`,
  );
};

describe('Certificates.Sign over gRPC', () => {
  it('issues a certificate for the identity the token proves', async () => {
    const res = await signer.sign({
      csr_pem: await makeCsr({ sans: [{ type: 'url', value: spiffe('demo', 'a') }] }),
      token: tokenFor('demo', 'a'),
    });
    expect(res.cert_chain_pem).toHaveLength(1);
    expect(res.trust_bundle_pem).toHaveLength(1);
    expect(Number(res.not_after)).toBe(clock.wallNow() + 86_400_000);
  });

  it('refuses a token for service account a asking for b (PERMISSION_DENIED)', async () => {
    const e = await refusal(
      await makeCsr({ sans: [{ type: 'url', value: spiffe('demo', 'b') }] }),
      tokenFor('demo', 'a'),
    );
    expect(e.code).toBe(status.PERMISSION_DENIED);
    expect(e.details).toMatch(
      /^IDENTITY_MISMATCH: CSR asks for spiffe:\/\/cluster.local\/ns\/demo\/sa\/b but the token proves .*\/sa\/a$/,
    );
    await validSign();
  });

  it.each<[string, CsrSpec, string]>([
    ['another namespace', { sans: [{ type: 'url', value: spiffe('other', 'a') }] }, 'IDENTITY_MISMATCH'],
    [
      'another trust domain',
      { sans: [{ type: 'url', value: spiffe('demo', 'a', 'evil.example') }] },
      'IDENTITY_MISMATCH',
    ],
  ])('refuses %s (PERMISSION_DENIED)', async (_name, spec, code) => {
    const e = await refusal(await makeCsr(spec), tokenFor('demo', 'a'));
    expect(e.code).toBe(status.PERMISSION_DENIED);
    expect(e.details).toContain(code);
  });

  const own = { type: 'url', value: spiffe('demo', 'a') } as const;
  const csrOf = (spec: CsrSpec) => () => makeCsr(spec);
  it.each<[string, () => Promise<string>, string]>([
    ['an extra DNS SAN', csrOf({ sans: [own, { type: 'dns', value: 'a.demo.svc' }] }), 'CSR_SAN_INVALID'],
    ['an IP SAN', csrOf({ sans: [own, { type: 'ip', value: '10.0.0.1' }] }), 'CSR_SAN_INVALID'],
    ['an email SAN', csrOf({ sans: [own, { type: 'email', value: 'a@x.io' }] }), 'CSR_SAN_INVALID'],
    ['two URI SANs', csrOf({ sans: [own, { type: 'url', value: spiffe('demo', 'b') }] }), 'CSR_SAN_INVALID'],
    ['no SAN', csrOf({ sans: [] }), 'CSR_SAN_INVALID'],
    ['a non-SPIFFE URI', csrOf({ sans: [{ type: 'url', value: 'https://demo/a' }] }), 'CSR_SAN_INVALID'],
    ['an RSA-1024 key', csrOf({ sans: [own], key: 'rsa1024' }), 'CSR_KEY_UNSUPPORTED'],
    ['a P-384 key', csrOf({ sans: [own], key: 'p384' }), 'CSR_KEY_UNSUPPORTED'],
    ['garbage', async () => 'not a csr', 'CSR_MALFORMED'],
    [
      'broken base64 in PEM armour',
      async () => '-----BEGIN CERTIFICATE REQUEST-----\nAAAA$$$\n-----END CERTIFICATE REQUEST-----\n',
      'CSR_MALFORMED',
    ],
    ['an empty CSR', async () => '', 'CSR_MALFORMED'],
  ])('refuses a CSR with %s (INVALID_ARGUMENT) and keeps serving', async (_name, csr, code) => {
    const e = await refusal(await csr(), tokenFor('demo', 'a'));
    expect(e.code).toBe(status.INVALID_ARGUMENT);
    expect(e.details).toMatch(new RegExp(`^${code}: `));
    await validSign();
  });

  it('accepts an RSA-2048 key', async () => {
    const res = await signer.sign({
      csr_pem: await makeCsr({ sans: [{ type: 'url', value: spiffe('demo', 'a') }], key: 'rsa2048' }),
      token: tokenFor('demo', 'a'),
    });
    expect(new X509Certificate(res.cert_chain_pem[0] as string).publicKey.asymmetricKeyType).toBe('rsa');
  });

  it('refuses a CSR whose signature does not verify', async () => {
    const pem = await makeCsr({ sans: [{ type: 'url', value: spiffe('demo', 'a') }] });
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    der[der.length - 5] = (der[der.length - 5] as number) ^ 0x01; // flip a bit inside the signature
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    const e = await refusal(tampered, tokenFor('demo', 'a'));
    expect(e.code).toBe(status.INVALID_ARGUMENT);
    expect(e.details).toMatch(/^CSR_SIGNATURE_INVALID: /);
  });

  it.each([
    ['no token', ''],
    [
      'a forged token',
      issueLocalToken({ key: new Uint8Array(32).fill(9), namespace: 'demo', serviceAccount: 'a', clock }),
    ],
    ['a JWT-looking string', 'eyJhbGciOiJIUzI1NiJ9.e30.sig'],
  ])('refuses %s (UNAUTHENTICATED)', async (_name, token) => {
    const e = await refusal(await makeCsr({ sans: [{ type: 'url', value: spiffe('demo', 'a') }] }), token);
    expect(e.code).toBe(status.UNAUTHENTICATED);
    expect(e.details).toMatch(/^TOKEN_INVALID: token: /);
    await validSign();
  });
});

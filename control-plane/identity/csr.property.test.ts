// Fuzzed CSRs (fast-check): random text, and real CSRs with bytes flipped, cut or appended, go
// through checkCsr and the CA's sign(). Nothing throws; every refusal is a coded IdentityFailure;
// a mutated CSR is never signed for an identity other than the one the caller's token proves.
import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../api/runtime/clock.ts';
import { createCa, type CertificateAuthority } from './ca.ts';
import { checkCsr } from './csr-check.ts';

const ID = 'spiffe://cluster.local/ns/demo/sa/web';
const clock = new ManualClock(Date.UTC(2026, 0, 1));

const toPem = (der: Uint8Array): string =>
  `-----BEGIN CERTIFICATE REQUEST-----\n${(
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? []
  ).join('\n')}\n-----END CERTIFICATE REQUEST-----\n`;

// One fixed CSR (P-256 key, SAN {ID}), so the mutations, and thus the run, are the same every
// time: a CSR generated per run would make the seeded property explore different bytes.
const BASE_CSR_B64 =
  'MIH/MIGlAgEAMAAwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARkwXxQ+y3pWQKsS/8/42uRqQMI5JHgNjm7rsqyE4ZGeMc635U/tfSFpMIfbpHOcvU89eOrwNqmdpPgOLo29yZXoEMwQQYJKoZIhvcNAQkOMTQwMjAwBgNVHREEKTAnhiVzcGlmZmU6Ly9jbHVzdGVyLmxvY2FsL25zL2RlbW8vc2Evd2ViMAoGCCqGSM49BAMCA0kAMEYCIQCfa6fMj3pj8lGJElPZ3SrnsKngV7uQyxzCIfx9kPmNQAIhANqKTRB2VXbikKB5jRp7jj11SjPDzo0gyAtLrdRBOgzQ';
const der = new Uint8Array(Buffer.from(BASE_CSR_B64, 'base64'));
let ca: CertificateAuthority;
beforeAll(async () => {
  ca = await createCa({ clock });
});

/** A real CSR with one of: bytes flipped, a cut, bytes appended, a slice repeated. */
const mutated = () =>
  fc.oneof(
    fc
      .array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 })
      .map((flips) => {
        const out = Uint8Array.from(der);
        for (const [at, x] of flips) out[at % out.length] = (out[at % out.length] as number) ^ x;
        return out;
      }),
    fc.nat().map((n) => der.slice(0, n % der.length)),
    fc.uint8Array({ minLength: 1, maxLength: 64 }).map((tail) => Uint8Array.from([...der, ...tail])),
    fc
      .tuple(fc.nat(), fc.nat())
      .map(([a, b]) => Uint8Array.from([...der.slice(0, a % der.length), ...der.slice(b % der.length)])),
  );

const anyPem = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 400 }).map(toPem),
  mutated().map(toPem),
  fc.constant('-----BEGIN CERTIFICATE REQUEST-----\n' + 'A'.repeat(20_000)),
);

describe('fuzzed CSRs are refused cleanly', () => {
  it('checkCsr: never throws, refusals carry a CSR_* code', async () => {
    await fc.assert(
      fc.asyncProperty(anyPem, async (pem) => {
        const r = await checkCsr(pem, 'cluster.local');
        if (!r.ok) expect(r.error.code).toMatch(/^CSR_/);
        else expect(r.value.spiffeId.startsWith('spiffe://')).toBe(true);
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it('the CA never signs a mutated CSR for another identity, and never throws', async () => {
    await fc.assert(
      fc.asyncProperty(mutated(), async (bytes) => {
        const r = await ca.sign(toPem(bytes), { namespace: 'demo', serviceAccount: 'web' });
        if (!r.ok) return void expect(typeof r.error.code).toBe('string');
        const leaf = new X509Certificate(r.value.certChainPem[0] as string);
        expect(leaf.subjectAltName).toBe(`URI:${ID}`);
      }),
      { numRuns: 200, seed: 43 },
    );
  });
});

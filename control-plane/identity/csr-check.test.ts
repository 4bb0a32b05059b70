// A regression found by csr.property.test.ts: a CSR that parses as PKCS#10 but whose EC key
// parameters the ASN.1 library rejects only when read. It must be refused, not crash the CA.
import { describe, expect, it } from 'vitest';
import { checkCsr } from './csr-check.ts';

const MUTATED_EC_PARAMETERS = [
  '-----BEGIN CERTIFICATE REQUEST-----',
  'MIH9MIGlAgEAMAAwWTATBgcqhkjOPQIBBwgqhkjOPQMBBwNCAARxaNEqCG7SwfhG',
  '7vq+jeSyfZkbq5Ewezfra+iuOyeqoJUbDkvzX764nMJHNF6C4QswKa6apkisUmRZ',
  'JW2ZMI6PoEMwQQYJKoZIhvcNAQkOMTQwMjAwBgNVHREEKTAnhiVzcGlmZmU6Ly9j',
  'bHVzdGVyLmxvY2FsL25zL2RlbW8vc2Evd2ViMAoGCCqGSM49BAMCA0cAMEQCIDcc',
  'lRWk9i6NmNqYY9rJt7qnz5JXrSMSbO+D9r9+gBTEAiAusrc8u72Iz1R4AhyGBZ98',
  'NOGKMv7EODPovFRauchsVQ==',
  '-----END CERTIFICATE REQUEST-----',
].join('\n');

describe('checkCsr', () => {
  it('refuses a CSR whose key parameters fail to parse with CSR_MALFORMED or a key code', async () => {
    const r = await checkCsr(`${MUTATED_EC_PARAMETERS}\n`, 'cluster.local');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toMatch(/^CSR_/);
  });
});

// Test certificates made with openssl: one CA and leaf certificates whose URI SAN is a SPIFFE
// ID, as the mesh CA would issue them. The sidecars only consume TlsMaterial built from these.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { TlsMaterial } from '../../proxy/transport/tls-material.ts';

export const spiffe = (sa: string, ns = 'demo'): string => `spiffe://cluster.local/ns/${ns}/sa/${sa}`;

export interface TestPki {
  /** TlsMaterial for a leaf whose SAN is spiffe(sa); `ca` = 'other' signs with an untrusted CA. */
  material(sa: string, ca?: 'mesh' | 'other', maxVersion?: 'TLSv1.2' | 'TLSv1.3'): TlsMaterial;
  dispose(): void;
}

const openssl = (dir: string, args: string): void => {
  execFileSync('openssl', args.split(' '), { cwd: dir, stdio: 'pipe' });
};

const NEW_EC_KEY = '-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes';

const makeCa = (dir: string, name: string): void =>
  openssl(dir, `req -x509 ${NEW_EC_KEY} -keyout ${name}.key -out ${name}.crt -days 1 -subj /CN=${name}`);

const makeLeaf = (dir: string, ca: string, sa: string): void => {
  const base = `${ca}-${sa}`;
  openssl(dir, `req ${NEW_EC_KEY} -keyout ${base}.key -out ${base}.csr -subj /O=weft-test`);
  writeFileSync(join(dir, `${base}.ext`), `subjectAltName=URI:${spiffe(sa)}\n`);
  openssl(
    dir,
    `x509 -req -in ${base}.csr -CA ${ca}.crt -CAkey ${ca}.key -CAcreateserial -out ${base}.crt -days 1 -extfile ${base}.ext`,
  );
};

export const makePki = (): TestPki => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-pki-'));
  makeCa(dir, 'mesh');
  makeCa(dir, 'other');
  const read = (f: string): Buffer => readFileSync(join(dir, f));
  return {
    material: (sa, ca = 'mesh', maxVersion = 'TLSv1.3') => {
      makeLeaf(dir, ca, sa);
      const credentials = {
        key: read(`${ca}-${sa}.key`),
        cert: read(`${ca}-${sa}.crt`),
        ca: read('mesh.crt'), // everyone trusts only the mesh CA
      };
      // TLSv1.2 only to prove the sidecars refuse it (as clients; a server keeps to TLS 1.3)
      const ctx = createSecureContext({ ...credentials, minVersion: 'TLSv1.2', maxVersion });
      return { secureContext: () => ctx, credentials: () => credentials, identity: () => spiffe(sa) };
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
};

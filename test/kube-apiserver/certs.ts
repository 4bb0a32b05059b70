// Test certificates made with the openssl CLI (installed by .ci/setup-system.sh): a throwaway CA
// and leaf certificates for the stand-in's HTTPS listener, client-certificate users and webhooks.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CertKeyPair {
  readonly cert: string;
  readonly key: string;
}

export interface LeafRequest {
  readonly commonName: string;
  /** Organisation(s): become the user's groups when used as a client certificate. */
  readonly organisations?: readonly string[];
  readonly dnsNames?: readonly string[];
  readonly ips?: readonly string[];
}

export interface TestCa extends CertKeyPair {
  issue(req: LeafRequest): CertKeyPair;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

const openssl = (dir: string, args: string[]): void => {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
};

export const opensslAvailable = (): boolean => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

const subject = (cn: string, orgs: readonly string[] = []): string =>
  `${orgs.map((o) => `/O=${o}`).join('')}/CN=${cn}`;

/** A CA valid for a day; issue() signs server+client leaf certificates with it. */
export const makeTestCa = (commonName = 'weft-test-ca'): TestCa => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-ca-'));
  try {
    openssl(dir, [
      'req',
      '-x509',
      ...EC,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '1',
      '-subj',
      subject(commonName),
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    const ca = {
      cert: readFileSync(join(dir, 'ca.crt'), 'utf8'),
      key: readFileSync(join(dir, 'ca.key'), 'utf8'),
    };
    return { ...ca, issue: (req) => issueLeaf(ca, req) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

const issueLeaf = (ca: CertKeyPair, req: LeafRequest): CertKeyPair => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-leaf-'));
  try {
    writeFileSync(join(dir, 'ca.crt'), ca.cert);
    writeFileSync(join(dir, 'ca.key'), ca.key, { mode: 0o600 });
    const sans = [...(req.dnsNames ?? []).map((d) => `DNS:${d}`), ...(req.ips ?? []).map((i) => `IP:${i}`)];
    const ext = [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth,clientAuth',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid,issuer',
      ...(sans.length ? [`subjectAltName=${sans.join(',')}`] : []),
    ];
    writeFileSync(join(dir, 'ext.cnf'), ext.join('\n') + '\n');
    openssl(dir, [
      'req',
      ...EC,
      '-keyout',
      'leaf.key',
      '-out',
      'leaf.csr',
      '-subj',
      subject(req.commonName, req.organisations),
    ]);
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      'leaf.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'leaf.crt',
      '-days',
      '1',
      '-extfile',
      'ext.cnf',
    ]);
    return {
      cert: readFileSync(join(dir, 'leaf.crt'), 'utf8'),
      key: readFileSync(join(dir, 'leaf.key'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

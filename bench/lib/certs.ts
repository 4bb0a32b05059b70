// Throw-away mesh certificates for the mTLS pair rows, made with openssl in the run's temp dir:
// one ECDSA P-256 CA, a server and a client leaf, each with a SPIFFE URI SAN (what weft checks)
// and a DNS SAN (what nginx and HAProxy check), so every pair verifies its peer.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CertPaths {
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** cert + key in one file (HAProxy's `crt`). */
  readonly serverBundle: string;
  readonly clientCert: string;
  readonly clientKey: string;
  readonly clientBundle: string;
  readonly serverName: string;
  readonly serverIdentity: string;
  readonly clientIdentity: string;
}

const TRUST_DOMAIN = 'cluster.local';
export const identityOf = (sa: string): string => `spiffe://${TRUST_DOMAIN}/ns/bench/sa/${sa}`;

const openssl = (args: readonly string[]): void => {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
};

const leaf = (dir: string, name: string, caCert: string, caKey: string): { cert: string; key: string } => {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(
    ext,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth,clientAuth',
      `subjectAltName=URI:${identityOf(name)},DNS:bench-${name}`,
    ].join('\n'),
  );
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
  openssl(['req', '-new', '-key', key, '-subj', `/CN=bench-${name}`, '-out', csr]);
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    caCert,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-days',
    '2',
    '-sha256',
    '-extfile',
    ext,
    '-out',
    cert,
  ]);
  writeFileSync(join(dir, `${name}.pem`), readFileSync(cert, 'utf8') + readFileSync(key, 'utf8'));
  return { cert, key };
};

export const makeCerts = (dir: string): CertPaths => {
  const caKey = join(dir, 'ca.key');
  const caCert = join(dir, 'ca.crt');
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', caKey]);
  openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    caKey,
    '-subj',
    '/CN=weft-bench-ca',
    '-days',
    '2',
    '-sha256',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    caCert,
  ]);
  const server = leaf(dir, 'server', caCert, caKey);
  const client = leaf(dir, 'client', caCert, caKey);
  return {
    caCert,
    serverCert: server.cert,
    serverKey: server.key,
    serverBundle: join(dir, 'server.pem'),
    clientCert: client.cert,
    clientKey: client.key,
    clientBundle: join(dir, 'client.pem'),
    serverName: 'bench-server',
    serverIdentity: identityOf('server'),
    clientIdentity: identityOf('client'),
  };
};

// Shared helpers for identity tests: CSRs of every shape the CA must accept or refuse, a CA served
// over real gRPC on 127.0.0.1:0, and openssl as an independent verifier.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { webcrypto } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { CertificateAuthority } from '../../control-plane/identity/ca.ts';
import { registerIdentityService } from '../../control-plane/identity/service.ts';
import type { TokenValidator } from '../../control-plane/identity/token-validator.ts';
import { subtle, x509 } from '../../api/runtime/x509.ts';

export type KeyKind = 'p256' | 'p384' | 'rsa1024' | 'rsa2048';

const KEY_ALGS: Record<KeyKind, webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams> = {
  p256: { name: 'ECDSA', namedCurve: 'P-256' },
  p384: { name: 'ECDSA', namedCurve: 'P-384' },
  rsa1024: {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: 1024,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  },
  rsa2048: {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  },
};

export interface CsrSpec {
  readonly sans: readonly { type: 'url' | 'dns' | 'ip' | 'email'; value: string }[];
  readonly key?: KeyKind;
}

export const makeCsr = async (spec: CsrSpec): Promise<string> => {
  const alg = KEY_ALGS[spec.key ?? 'p256'];
  const keys = (await subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    keys,
    signingAlgorithm: { ...alg, hash: 'SHA-256' },
    extensions: [new x509.SubjectAlternativeNameExtension(spec.sans.map((s) => ({ ...s })))],
  });
  return csr.toString('pem');
};

export const spiffe = (ns: string, sa: string, td = 'cluster.local'): string =>
  `spiffe://${td}/ns/${ns}/sa/${sa}`;

export interface ServedCa {
  readonly address: string;
  close(): Promise<void>;
}

export const serveCa = async (
  ca: CertificateAuthority,
  tokens: TokenValidator,
  port = 0,
): Promise<ServedCa> => {
  const server = new grpc.Server();
  registerIdentityService(server, ca, tokens);
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  return {
    address: `127.0.0.1:${bound}`,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
};

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export const run = (cmd: string, args: readonly string[], input?: string): Promise<RunResult> =>
  new Promise((resolve) => {
    const child = execFile(cmd, [...args], { timeout: 20_000 }, (e, stdout, stderr) =>
      resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(input ?? '');
  });

export interface TempDir {
  readonly dir: string;
  write(name: string, content: string): Promise<string>;
  remove(): Promise<void>;
}

export const tempDir = async (): Promise<TempDir> => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-identity-'));
  return {
    dir,
    write: async (name, content) => {
      await writeFile(join(dir, name), content);
      return join(dir, name);
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
};

/** Log lines (parsed JSON) a pino logger wrote, for asserting warnings without sleeping. */
export const capturedLogger = async (): Promise<{
  logger: import('pino').Logger;
  lines: Record<string, unknown>[];
}> => {
  const { pino } = await import('pino');
  const { Writable } = await import('node:stream');
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n'))
        if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
};

/** Handshake with `client` context against a server using `server` context; returns the server cert SAN or the error. */
export const mtlsHandshake = async (
  server: () => import('node:tls').SecureContext,
  client: import('node:tls').SecureContext,
): Promise<{ ok: true; serverSerial: string; clientSan: string } | { ok: false; error: string }> => {
  const tls = await import('node:tls');
  let clientSan = '';
  const srv = tls.createServer(
    {
      SNICallback: (_n, cb) => cb(null, server()),
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.3',
    },
    (s) => {
      clientSan = String(s.getPeerCertificate().subjectaltname);
      s.end('ok');
    },
  );
  srv.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  try {
    return await new Promise((resolve) => {
      const c = tls.connect({
        host: '127.0.0.1',
        port,
        servername: 'mesh.local',
        secureContext: client,
        minVersion: 'TLSv1.3',
        // Mesh peers are checked by SPIFFE ID, not host name.
        checkServerIdentity: () => undefined,
      });
      let data = '';
      c.on('data', (d: Buffer) => (data += d.toString()));
      c.on('end', () =>
        resolve(
          data === 'ok'
            ? { ok: true, serverSerial: c.getPeerCertificate().serialNumber, clientSan }
            : { ok: false, error: 'closed by server' },
        ),
      );
      c.on('error', (e: Error & { code?: string }) => resolve({ ok: false, error: e.code ?? e.message }));
    });
  } finally {
    await new Promise((r) => srv.close(r));
  }
};

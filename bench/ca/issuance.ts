// CA issuance throughput: `node bench/ca/issuance.ts` prints JSON. Measures the chosen library
// (@peculiar/x509 on WebCrypto, ECDSA P-256) through the real CA path (CSR parse + signature and
// SAN checks + leaf signing + PEM), with and without sidecar key generation, and compares it with
// node-forge (pure JS, RSA only) and a bare node:crypto ECDSA signature (the floor of any design).
// "One core": the libuv pool is cut to one thread and certificates per CPU-second are reported
// besides wall-clock rate. Every loop is bounded by count and by time. In a quick bench run
// (WEFT_BENCH_QUICK=1) each loop gets 1.5 s instead of 8 s, so the hook takes seconds.
// `node bench/ca/issuance.ts [seconds per loop] [max count per loop]`.
process.env.UV_THREADPOOL_SIZE ??= '1';

import { cpus } from 'node:os';
import { generateKeyPairSync, sign } from 'node:crypto';
import forge from 'node-forge';
import { createCa } from '../../control-plane/identity/ca.ts';
import { generateWorkloadKey } from '../../proxy/identity/workload-key.ts';
import { benchQuick } from '../lib/env.ts';

interface Rate {
  readonly n: number;
  readonly seconds: number;
  readonly certsPerSec: number;
  /** Certificates per second of CPU time (user + system) of this process: the one-core figure. */
  readonly certsPerCpuSec: number;
}

const QUICK = benchQuick();
const MAX_SECONDS = Number(process.argv[2] ?? (QUICK ? 1.5 : 8));
const MAX_N = Number(process.argv[3] ?? (QUICK ? 500 : 2000));

const measure = async (op: (i: number) => Promise<unknown> | unknown, maxN = MAX_N): Promise<Rate> => {
  await op(-1); // warm up JIT and lazy init
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  while (n < maxN && performance.now() - t0 < MAX_SECONDS * 1000) await op(n++);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const round = (x: number): number => Math.round(x * 10) / 10;
  return {
    n,
    seconds: round(seconds),
    certsPerSec: round(n / seconds),
    certsPerCpuSec: round(n / cpuSeconds),
  };
};

const id = { namespace: 'bench', serviceAccount: 'workload' };
const spiffe = 'spiffe://cluster.local/ns/bench/sa/workload';

const peculiar = async (): Promise<Record<string, Rate>> => {
  const ca = await createCa();
  const pool = await Promise.all(Array.from({ length: 64 }, () => generateWorkloadKey(spiffe)));
  const check = (r: Awaited<ReturnType<typeof ca.sign>>): void => {
    if (!r.ok) throw new Error(r.error.message);
  };
  return {
    issueOnly: await measure(async (i) => check(await ca.sign(pool[(i + 64) % 64]!.csrPem, id))),
    withKeygen: await measure(async () =>
      check(await ca.sign((await generateWorkloadKey(spiffe)).csrPem, id)),
    ),
  };
};

const forgeRsa = async (): Promise<Record<string, Rate>> => {
  const caKeys = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  const caCert = forge.pki.createCertificate();
  caCert.publicKey = caKeys.publicKey;
  caCert.setSubject([{ name: 'organizationName', value: 'weft-bench' }]);
  caCert.setIssuer(caCert.subject.attributes);
  caCert.sign(caKeys.privateKey, forge.md.sha256.create());
  const csrFor = (keys: forge.pki.rsa.KeyPair): string => {
    const csr = forge.pki.createCertificationRequest();
    csr.publicKey = keys.publicKey;
    csr.setAttributes([
      {
        name: 'extensionRequest',
        extensions: [{ name: 'subjectAltName', altNames: [{ type: 6, value: spiffe }] }],
      },
    ]);
    csr.sign(keys.privateKey, forge.md.sha256.create());
    return forge.pki.certificationRequestToPem(csr);
  };
  const issue = (csrPem: string): string => {
    const csr = forge.pki.certificationRequestFromPem(csrPem);
    if (!csr.verify()) throw new Error('csr');
    const cert = forge.pki.createCertificate();
    cert.publicKey = csr.publicKey as forge.pki.rsa.PublicKey;
    cert.serialNumber = '01';
    cert.validity.notBefore = new Date();
    cert.validity.notAfter = new Date(Date.now() + 86_400_000);
    cert.setIssuer(caCert.subject.attributes);
    cert.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 6, value: spiffe }] }]);
    cert.sign(caKeys.privateKey, forge.md.sha256.create());
    return forge.pki.certificateToPem(cert);
  };
  // Workload keys made natively: forge's own RSA key generation takes seconds per key.
  const nativeRsa = (): forge.pki.rsa.KeyPair => {
    const k = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return {
      privateKey: forge.pki.privateKeyFromPem(
        k.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
      ) as forge.pki.rsa.PrivateKey,
      publicKey: forge.pki.publicKeyFromPem(
        k.publicKey.export({ type: 'spki', format: 'pem' }) as string,
      ) as forge.pki.rsa.PublicKey,
    };
  };
  const csr = csrFor(nativeRsa());
  return {
    issueOnly: await measure(() => issue(csr), 300),
    withKeygenForge: await measure(
      () => issue(csrFor(forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 }))),
      5,
    ),
  };
};

const nativeFloor = async (): Promise<Record<string, Rate>> => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const tbs = Buffer.alloc(420, 7); // about the size of a leaf TBSCertificate
  return { signOnly: await measure(() => sign('sha256', tbs, privateKey), 20_000) };
};

const results = {
  '@peculiar/x509 (chosen, ECDSA P-256)': await peculiar(),
  'node-forge (RSA-2048 CA and leaf)': await forgeRsa(),
  'node:crypto ECDSA P-256 signature alone (floor)': await nativeFloor(),
};
const chosen = results['@peculiar/x509 (chosen, ECDSA P-256)'] as Record<'issueOnly' | 'withKeygen', Rate>;
process.stdout.write(
  `${JSON.stringify(
    {
      bench: 'ca-issuance',
      node: process.version,
      cpu: cpus()[0]?.model,
      uvThreadpoolSize: process.env.UV_THREADPOOL_SIZE,
      quick: QUICK,
      secondsPerLoop: MAX_SECONDS,
      target: {
        certsPerSec: 200,
        met: chosen.issueOnly.certsPerCpuSec >= 200 && chosen.withKeygen.certsPerCpuSec >= 200,
      },
      results,
    },
    null,
    2,
  )}\n`,
);

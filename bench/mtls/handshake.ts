// Mesh mTLS handshake cost: `node bench/mtls/handshake.ts [maxSeconds] [maxHandshakes]` prints
// JSON. Both ends are the sidecar's own code (proxy/transport/tls-server.ts and tls-client.ts)
// with certificates from the mesh CA: ECDSA P-256 leaves, TLS 1.3, client certificate required
// and verified, server SPIFFE ID pinned, a new TCP connection and full handshake every time (no
// resumption, as between sidecars). Client and server share this process, so CPU per handshake
// is both sides together. Every loop is bounded by count and by time.
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { pino } from 'pino';
import { createCa } from '../../control-plane/identity/ca.ts';
import { buildSecureContext, credentialsOf } from '../../proxy/identity/secure-context.ts';
import { generateWorkloadKey } from '../../proxy/identity/workload-key.ts';
import { dialMeshTls } from '../../proxy/transport/tls-client.ts';
import type { TlsMaterial } from '../../proxy/transport/tls-material.ts';
import { meshTlsServer } from '../../proxy/transport/tls-server.ts';

const MAX_SECONDS = Number(process.argv[2] ?? 5);
const MAX_N = Number(process.argv[3] ?? 20_000);

const ca = await createCa();
const material = async (sa: string): Promise<TlsMaterial> => {
  const id = `spiffe://cluster.local/ns/bench/sa/${sa}`;
  const key = await generateWorkloadKey(id);
  const issued = await ca.sign(key.csrPem, { namespace: 'bench', serviceAccount: sa });
  if (!issued.ok) throw new Error(issued.error.message);
  const material = {
    privateKeyPem: key.privateKeyPem,
    chainPem: issued.value.certChainPem,
    trustBundlePem: ca.trustBundle(),
  };
  const ctx = buildSecureContext(material);
  return { secureContext: () => ctx, credentials: () => credentialsOf(material), identity: () => id };
};

const [serverId, clientId] = await Promise.all([material('server'), material('client')]);
let failures = 0;
const server = meshTlsServer(serverId, (s) => s.end(), pino({ level: 'silent' }), {
  inboundConnection: () => undefined,
  handshakeFailed: () => void failures++,
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const endpoint = {
  address: '127.0.0.1',
  port: (server.address() as AddressInfo).port,
  identity: serverId.identity(),
};

/** One full handshake; resolves with its duration in ms (connect → secureConnect). */
const handshake = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const t0 = performance.now();
    const socket = dialMeshTls(clientId, endpoint, 'http/1.1');
    socket.once('secureConnect', () => {
      const ms = performance.now() - t0;
      socket.once('close', () => resolve(ms));
      socket.resume();
    });
    socket.once('error', reject);
  });

const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;

const run = async (concurrency: number) => {
  for (let i = 0; i < 50; i++) await handshake(); // warm up JIT and lazy init
  const samples: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (samples.length < MAX_N && performance.now() - t0 < MAX_SECONDS * 1000)
      samples.push(await handshake());
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    concurrency,
    handshakes: samples.length,
    seconds: round(seconds, 2),
    handshakesPerSec: round(samples.length / seconds, 1),
    msPerHandshake: {
      mean: round(samples.reduce((a, b) => a + b, 0) / samples.length),
      p50: round(pct(sorted, 50)),
      p99: round(pct(sorted, 99)),
    },
    cpuMsPerHandshake: round((cpu.user + cpu.system) / 1000 / samples.length),
  };
};

// Up to 4 at once: one process is one core for both ends, so more only queues.
const results = { sequential: await run(1), concurrent4: await run(4) };
server.close();
process.stdout.write(
  `${JSON.stringify(
    {
      bench: 'mtls-handshake',
      setup:
        'ECDSA P-256 leaves from the mesh CA, TLS 1.3, mutual, new connection each time, client and server in one process',
      node: process.version,
      cpu: cpus()[0]?.model,
      loadavg: loadavg().map((x) => round(x, 2)),
      failedHandshakes: failures,
      ...results,
    },
    null,
    2,
  )}\n`,
);

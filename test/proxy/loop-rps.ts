// Informational throughput check (not a test, no assertions on time): a bounded closed loop of
// requests through a client sidecar → server sidecar pair on loopback, all in one process.
//   node test/proxy/loop-rps.ts [requests=5000] [concurrency=16] [h1|h2] [plain|mtls]
import { Agent } from 'node:http';
import { startH1Echo, startH2Echo } from '../helpers/apps.ts';
import { makePki, spiffe } from '../helpers/certs.ts';
import { h1Call, h2Call, h2Connect } from '../helpers/http-clients.ts';
import { startPair } from '../helpers/mesh.ts';

const [n = 5000, c = 16] = [Number(process.argv[2] ?? 5000), Number(process.argv[3] ?? 16)];
const proto = process.argv[4] === 'h2' ? 'h2' : 'h1';
const mtls = process.argv[5] === 'mtls';

const pki = makePki();
const app = proto === 'h1' ? await startH1Echo('web') : await startH2Echo('web');
const pair = await startPair(
  'web',
  app.port,
  mtls
    ? {
        identity: spiffe('web-server'),
        server: { tls: pki.material('web-server'), inboundMode: 'STRICT' },
        client: { tls: pki.material('web-client') },
      }
    : {},
);
const port = pair.client.proxy.ports.outbound;
const agent = new Agent({ keepAlive: true, maxSockets: c });
const session = proto === 'h2' ? h2Connect(port) : undefined;
const call = () =>
  session ? h2Call(session, { authority: 'web' }) : h1Call(port, { authority: 'web' }, agent);

const loop = async (total: number): Promise<number> => {
  let started = 0;
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (started < total) {
        started++;
        if ((await call()).status !== 200) failed++;
      }
    }),
  );
  if (failed > 0) throw new Error(`${failed} requests failed`);
  return total / ((performance.now() - t0) / 1000);
};

await loop(Math.min(1000, n)); // warm-up: JIT and connection pools
const rps = await loop(n);
console.log(`${proto} ${mtls ? 'mtls' : 'plain'} requests=${n} concurrency=${c}: ${Math.round(rps)} req/s`);
session?.close();
agent.destroy();
await pair.close();
await app.close();
pki.dispose();

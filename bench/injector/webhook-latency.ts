// Injector webhook latency under an open-loop load: `node bench/injector/webhook-latency.ts
// [rate=200] [seconds=10]` prints JSON with p50/p99 (target p99 ≤ 5 ms at 200 reviews/s).
// The webhook runs in its own process over real HTTPS with a keep-alive client, as the API server
// calls it. Review i is due at start + i/rate and its latency counts from then (no coordinated
// omission). Bounded: at most rate × seconds reviews, and a hard stop at seconds + 5.
import { spawn } from 'node:child_process';
import https from 'node:https';
import { createInterface } from 'node:readline';
import { summarize } from '../lib/percentiles.ts';
import { intendedAt, type Schedule } from '../lib/schedule.ts';
import { makeTestCa } from '../../test/kube-apiserver/certs.ts';

const rate = Number(process.argv[2] ?? 200);
const seconds = Number(process.argv[3] ?? 10);
const schedule: Schedule = { rate, warmupMs: 1000, durationMs: (seconds - 1) * 1000 };
const total = Math.round(rate * seconds);
const warmup = Math.round((schedule.warmupMs * rate) / 1000);

/** A pod like bookinfo's productpage: two containers, probes, volumes (about 2 KB of JSON). */
const review = (uid: string): string =>
  JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'bookinfo',
      operation: 'CREATE',
      object: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { generateName: 'productpage-v1-', labels: { app: 'productpage', version: 'v1' } },
        spec: {
          serviceAccountName: 'bookinfo-productpage',
          containers: [
            {
              name: 'productpage',
              image: 'example/productpage:1.20.1',
              ports: [{ name: 'http', containerPort: 9080 }],
              readinessProbe: { httpGet: { path: '/health', port: 'http' }, periodSeconds: 5 },
              livenessProbe: { tcpSocket: { port: 9080 } },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
            { name: 'logger', image: 'example/logger:2', args: ['--json'] },
          ],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  });

const ca = makeTestCa('weft-bench-ca');
const leaf = ca.issue({ commonName: 'weft-injector', ips: ['127.0.0.1'] });
const child = spawn(
  process.execPath,
  [new URL('./webhook-main.ts', import.meta.url).pathname, JSON.stringify(leaf)],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const port = await new Promise<number>((resolve, reject) => {
  child.once('exit', (code) => reject(new Error(`webhook exited with ${code}`)));
  createInterface({ input: child.stdout }).once('line', (l) =>
    resolve((JSON.parse(l) as { port: number }).port),
  );
});

const agent = new https.Agent({ keepAlive: true, maxSockets: 16, ca: ca.cert });
const post = (body: string): Promise<number> =>
  new Promise((resolve) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path: '/inject',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });

const latencies: number[] = [];
let errors = 0;
const start = performance.now();
const hardStop = start + (seconds + 5) * 1000;
const inFlight: Promise<void>[] = [];
for (let i = 0; i < total && performance.now() < hardStop; i++) {
  const due = start + intendedAt(schedule, i);
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  inFlight.push(
    post(review(`bench-${i}`)).then((status) => {
      if (status !== 200) errors++;
      else if (i >= warmup) latencies.push(performance.now() - due);
    }),
  );
}
await Promise.all(inFlight);
agent.destroy();
child.kill('SIGTERM');

const s = summarize(latencies);
const ms = (x: number): number => Math.round(x * 1000) / 1000;
process.stdout.write(
  `${JSON.stringify(
    {
      bench: 'injector-webhook-latency',
      transport: 'HTTPS, keep-alive, webhook in its own process',
      rate,
      seconds,
      sent: inFlight.length,
      measured: s.count,
      errors,
      latencyMs: { p50: ms(s.p50), p90: ms(s.p90), p99: ms(s.p99), p999: ms(s.p999), max: ms(s.max) },
      targetP99Ms: 5,
      meetsTarget: s.p99 <= 5,
    },
    null,
    2,
  )}\n`,
);

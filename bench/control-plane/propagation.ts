// Control-plane propagation: `node bench/control-plane/propagation.ts [--services N] [--sidecars N]
// [--changes N] [--whole] [--plain]` prints JSON (WEFT_BENCH_QUICK=1, set by `npm run bench -- --quick`:
// a smaller mesh by default). The kube-apiserver stand-in (in this process) holds N Services × 10
// endpoints in meshed namespaces; the control plane runs as its own process in Kubernetes mode
// (`weft control-plane --kubeconfig`), so its memory is its own; N simulated sidecars connect at
// once. Each is a raw discovery stream (the real wire protocol: Node, then an ACK per response)
// that finds what it needs in the snapshot bytes instead of decoding megabytes of JSON: 1,000 full
// decodes in one process would measure this process, not the control plane (tried: it falls behind
// the 30 s ACK deadline). The sidecars accept deltas and gzip as the real one does (--whole: no
// deltas, every change is a whole snapshot; --plain: no gzip) and inflate what they get. Measured: time to each sidecar's first full snapshot,
// then for each TrafficSplit change the time until every sidecar has the new weights, and the
// bytes that took. Every wait is bounded.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { nodeToWire } from '../../api/convert/node.ts';
import {
  newDiscoveryClient,
  type DiscoveryClientApi,
  type DiscoveryStream,
} from '../../api/proto/discovery.ts';
import { waitForPortFile } from '../../cli/port-file.ts';
import { startKubeApiServer, type KubeApiServer, type KubeObject } from '../../test/kube-apiserver/index.ts';
import { loadCrds } from '../../test/kube/crds.ts';
import { endpointSlice, meshedNamespace, service, trafficSplit } from '../../test/kube/helpers.ts';
import { parseVmRss } from '../lib/proc-stats.ts';
import { summarize } from '../lib/percentiles.ts';

const QUICK = process.env.WEFT_BENCH_QUICK === '1';
const { values: args } = parseArgs({
  options: {
    services: { type: 'string', default: QUICK ? '200' : '1000' },
    sidecars: { type: 'string', default: QUICK ? '200' : '1000' },
    changes: { type: 'string', default: QUICK ? '3' : '5' },
    namespaces: { type: 'string', default: '10' },
    whole: { type: 'boolean', default: false },
    plain: { type: 'boolean', default: false },
  },
});
const SERVICES = Number(args.services);
const SIDECARS = Number(args.sidecars);
const CHANGES = Number(args.changes);
const NAMESPACES = Number(args.namespaces);
const ENDPOINTS = 10;
const LIMIT_MS = 120_000;

const ns = (i: number): string => `bench-${i % NAMESPACES}`;
const ms = (n: number): number => Math.round(n * 10) / 10;

const seed = (api: KubeApiServer): void => {
  for (let i = 0; i < NAMESPACES; i++) api.store.seed(meshedNamespace(ns(i)));
  for (let s = 0; s < SERVICES; s++) {
    api.store.seed(service(ns(s), `svc-${s}`));
    const ips = Array.from({ length: ENDPOINTS }, (_, e) => ({
      ip: `10.${(s >> 8) & 255}.${s & 255}.${e + 1}`,
    }));
    api.store.seed(endpointSlice(ns(s), `svc-${s}`, ips));
  }
  // The split's root and backends: svc-0 split over svc-1 and svc-2 (same namespace when NAMESPACES divides).
  api.store.seed(service(ns(0), 'web'));
  api.store.seed(service(ns(0), 'web-v1'));
  api.store.seed(service(ns(0), 'web-v2'));
};

const split = (v1: number): KubeObject =>
  trafficSplit(ns(0), 'web', 'web', { 'web-v1': v1, 'web-v2': 100 - v1 });

let received = 0; // snapshot bytes, all sidecars

interface SimulatedSidecar {
  firstFullAt: number | undefined;
  onSnapshot(fn: (snapshotJson: Buffer) => void): void;
  close(): void;
}

/** One sidecar on the wire: announce the Node, ACK every snapshot, hand its bytes to the probe. */
const simulatedSidecar = (client: DiscoveryClientApi, i: number): SimulatedSidecar => {
  const stream: DiscoveryStream = client.StreamSnapshots();
  let probe: (b: Buffer) => void = () => undefined;
  stream.write({
    node: nodeToWire({
      workload: `w-${i}`,
      namespace: ns(i),
      serviceAccount: `sa-${i}`,
      acceptsDelta: !args.whole,
      acceptsGzip: !args.plain,
    }),
    versionInfo: '',
    responseNonce: '',
  });
  stream.on('data', (res: { version: string; nonce: string; snapshotJson: Buffer; encoding: string }) => {
    stream.write({ versionInfo: res.version, responseNonce: res.nonce });
    received += res.snapshotJson.length;
    probe(res.encoding === 'gzip' ? gunzipSync(res.snapshotJson) : res.snapshotJson);
  });
  stream.on('error', () => undefined); // cancelled at the end of the run
  return {
    firstFullAt: undefined,
    onSnapshot: (fn) => (probe = fn),
    close: () => stream.cancel(),
  };
};

const rssOf = async (pid: number): Promise<number> =>
  parseVmRss(await readFile(`/proc/${pid}/status`, 'utf8'));

const until = async (cond: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + LIMIT_MS;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

const main = async (): Promise<void> => {
  const api = await startKubeApiServer({ resources: loadCrds(), watchHistory: 100_000 });
  seed(api);
  api.store.seed(split(90));
  const dir = await mkdtemp(join(tmpdir(), 'weft-bench-cp-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, api.kubeConfig().exportConfig(), { mode: 0o600 });
  api.store.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'weft-system' } });
  const portFile = join(dir, 'ports.json');
  const cp = spawn(
    process.execPath,
    [
      'cli/main.ts',
      'control-plane',
      '--kubeconfig',
      kubeconfig,
      '--identity',
      'bench',
      '--grpc-port',
      '0',
      '--admin-port',
      '0',
      '--port-file',
      portFile,
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const channels: DiscoveryClientApi[] = [];
  const sidecars: SimulatedSidecar[] = [];
  try {
    const t0 = performance.now();
    const ports = await waitForPortFile<{ grpc: number }>(portFile, LIMIT_MS, () => cp.exitCode === null);
    const startupMs = performance.now() - t0;
    const rssIdle = await rssOf(cp.pid!);

    const firstFull: number[] = [];
    let snapshotBytes = 0;
    const connectAt = performance.now();
    const lastService = Buffer.from(`"${ns(SERVICES - 1)}/svc-${SERVICES - 1}"`);
    for (let i = 0; i < SIDECARS; i++) {
      // 20 sidecars per HTTP/2 connection (a distinct option stops grpc-js sharing one).
      if (i % 20 === 0)
        channels.push(
          newDiscoveryClient(`127.0.0.1:${ports.grpc}`, grpc.credentials.createInsecure(), {
            'weft.bench.channel': i,
            'grpc.max_receive_message_length': 64 * 1024 * 1024,
          }),
        );
      const sc = simulatedSidecar(channels.at(-1)!, i);
      sc.onSnapshot((bytes) => {
        if (sc.firstFullAt === undefined && bytes.includes(lastService)) {
          sc.firstFullAt = performance.now();
          snapshotBytes = Math.max(snapshotBytes, bytes.length);
          firstFull.push(sc.firstFullAt - connectAt);
        }
      });
      sidecars.push(sc);
    }
    await until(() => firstFull.length === SIDECARS, 'every first full snapshot');
    const firstWireBytes = received;
    const rssConnected = await rssOf(cp.pid!);

    const bytesBefore = received;
    const perSidecar: number[] = [];
    const allReached: number[] = [];
    let rssPeak = rssConnected;
    for (let k = 1; k <= CHANGES; k++) {
      const target = 90 - k;
      const marker = Buffer.from(`"service":"${ns(0)}/web-v1","weight":${target}}`);
      const seen: number[] = [];
      const start = performance.now();
      for (const sc of sidecars)
        sc.onSnapshot((bytes) => {
          if (bytes.includes(marker)) {
            seen.push(performance.now() - start);
            sc.onSnapshot(() => undefined);
          }
        });
      api.store.seed(split(target));
      await until(() => seen.length === SIDECARS, `change ${k} everywhere`);
      perSidecar.push(...seen);
      allReached.push(Math.max(...seen));
      rssPeak = Math.max(rssPeak, await rssOf(cp.pid!));
    }
    const round = (s: ReturnType<typeof summarize>) => ({ p50: ms(s.p50), p99: ms(s.p99), max: ms(s.max) });
    process.stdout.write(
      `${JSON.stringify(
        {
          services: SERVICES,
          endpointsPerService: ENDPOINTS,
          sidecars: SIDECARS,
          namespaces: NAMESPACES,
          changes: CHANGES,
          deltas: !args.whole,
          gzip: !args.plain,
          snapshotKiB: ms(snapshotBytes / 1024),
          snapshotWireKiB: ms(firstWireBytes / SIDECARS / 1024),
          bytesPerChangeKiB: ms((received - bytesBefore) / CHANGES / 1024),
          controlPlaneStartupMs: ms(startupMs),
          firstFullSnapshotMs: round(summarize(firstFull)),
          splitChangeToSidecarMs: round(summarize(perSidecar)),
          splitChangeToAllSidecarsMs: round(summarize(allReached)),
          controlPlaneRssMiB: {
            idle: ms(rssIdle / 1024),
            connected: ms(rssConnected / 1024),
            peak: ms(rssPeak / 1024),
          },
          note: 'sidecars: raw discovery streams in the bench process (ACK every response, inflate gzip, scan bytes, no JSON decode); control plane: its own process',
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    for (const sc of sidecars) sc.close();
    for (const c of channels) c.close();
    // The control plane lets go of its Lease on the way out: the stand-in must still be there.
    const exited = new Promise((r) => cp.once('exit', r));
    cp.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    await api.close();
    await rm(dir, { recursive: true, force: true });
  }
};

if (import.meta.main) await main();

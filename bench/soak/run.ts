// `npm run soak -- [--minutes 10] [--rps 1000] [--warmup 30] [--out FILE]`: memory soak, not part of CI. A local-mode
// control plane and a client → server sidecar pair (real `weft` processes, mTLS, state dirs) in
// front of an HTTP/1.1 echo app; steady open-loop load for the whole window. Every 30 s it prints
// each process's RSS (every 30 s, more often on short runs); at the end a markdown table (RSS start/end, sent/ok/failed, p50/p99).
// "Start" is taken after a 30 s warm-up, so JIT and pool growth are not counted as a leak.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startH1Echo } from '../../test/helpers/apps.ts';
import { stopAll } from '../../test/mtls/processes.ts';
import { endpointsAre, ProcessMesh, rssKiB, serviceYaml } from '../../test/reliability/harness.ts';
import { percentile, startLoad } from '../../test/reliability/load.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rps: { type: 'string', default: '1000' },
    out: { type: 'string' },
    warmup: { type: 'string', default: '30' },
  },
});
const minutes = Number(values.minutes);
const rps = Number(values.rps);
if (!(minutes > 0) || !(rps > 0)) {
  process.stderr.write('usage: npm run soak -- [--minutes N] [--rps N] [--out FILE]\n');
  process.exit(2);
}
const WARMUP_MS = Number(values.warmup) * 1000;
const SAMPLE_MS = Math.min(30_000, Math.max(5_000, minutes * 6_000));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (kib: number): string => (kib / 1024).toFixed(1);
const show = (rss: Record<string, number>): string =>
  Object.entries(rss)
    .map(([k, v]) => `${k}=${mib(v)}`)
    .join(' ');

const mesh = await ProcessMesh.create({ 'services.yaml': serviceYaml('echo') });
await mesh.startControlPlane();
const app = await startH1Echo('echo-app');
const server = await mesh.sidecar('server', { service: 'echo', appPort: app.port });
const client = await mesh.sidecar('client');
await endpointsAre(client, 'echo', 1);
const procs = { client: client.ports.pid, server: server.ports.pid, 'control plane': mesh.cp?.proc.pid ?? 0 };
const rss = async (): Promise<Record<string, number>> =>
  Object.fromEntries(
    await Promise.all(Object.entries(procs).map(async ([k, pid]) => [k, await rssKiB(pid)])),
  );

const totalMs = WARMUP_MS + minutes * 60_000;
const load = startLoad({
  port: client.ports.outbound,
  authority: 'echo',
  rps,
  maxMs: totalMs,
  timeoutMs: 10_000,
});
const t0 = Date.now();
await sleep(WARMUP_MS);
const start = await rss();
const sentAtStart = load.result.sent;
process.stdout.write(
  `soak: ${minutes} min at ${rps} req/s after ${WARMUP_MS / 1000} s warm-up; RSS MiB ${show(start)}\n`,
);
const samples: { at: number; rss: Record<string, number> }[] = [{ at: 0, rss: start }];
while (Date.now() - t0 < totalMs) {
  await sleep(Math.min(SAMPLE_MS, totalMs - (Date.now() - t0)));
  const now = await rss();
  const at = Math.round((Date.now() - t0 - WARMUP_MS) / 1000);
  samples.push({ at, rss: now });
  const r = load.result;
  process.stdout.write(`  t=${at}s sent=${r.sent} failed=${r.failed} RSS MiB ${show(now)}\n`);
}
const r = await load.stop();
const end = await rss();
const seconds = (Date.now() - t0) / 1000;
const rows = Object.keys(procs).map(
  (k) =>
    `| ${k} | ${mib(start[k] ?? 0)} | ${mib(end[k] ?? 0)} | ${mib(Math.max(...samples.map((s) => s.rss[k] ?? 0)))} |`,
);
const table = [
  `## Soak: ${minutes} min at ${rps} req/s (${new Date().toISOString().slice(0, 16)}Z)`,
  '',
  `Requests: sent ${r.sent}, ok ${r.ok}, failed ${r.failed} (over ${seconds.toFixed(0)} s including warm-up; ${r.sent - sentAtStart} after it);`,
  `latency p50 ${percentile(r.latencies, 50).toFixed(2)} ms, p99 ${percentile(r.latencies, 99).toFixed(2)} ms, p99.9 ${percentile(r.latencies, 99.9).toFixed(2)} ms.`,
  '',
  '| process | RSS start (MiB) | RSS end (MiB) | RSS max (MiB) |',
  '| --- | --- | --- | --- |',
  ...rows,
  '',
].join('\n');
process.stdout.write(`\n${table}\n`);
if (values.out) await writeFile(values.out, table);
await stopAll();
await app.close();
await mesh.close();
process.exit(r.failed > 0 ? 1 : 0);

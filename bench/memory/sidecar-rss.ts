// RSS of `weft proxy` as a pod runs it: the bundle (npm run build) with the injector's V8 flags
// (on the node command line, so flags NODE_OPTIONS refuses can be tried), fed by a `weft control-plane` (local mode, on a YAML folder) over gRPC, with a
// workload certificate from its CA. A client and a server sidecar carry HTTP/1.1 from the bench's
// open-loop generator to a small Node app. Prints per sidecar: RSS idle (after start-up and one
// request) and peak RSS under `--rate` req/s for `--seconds` s, and the pair's CPU per 1000
// requests. `node bench/memory/sidecar-rss.ts [--rate 1000] [--seconds 10] [--flags "…"]
// [--from-source | --cli FILE]`; a bench hook (JSON on stdout).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SIDECAR_NODE_OPTIONS } from '../../api/runtime/node-flags.ts';
import { waitForPortFile } from '../../cli/port-file.ts';
import { systemClock } from '../../api/runtime/clock.ts';
import { issueLocalToken } from '../../control-plane/identity/local-token.ts';
import { readTokenKey } from '../../control-plane/identity/token-key-file.ts';
import { buildDist } from '../../scripts/build-dist.ts';
import { benchQuick } from '../lib/env.ts';
import { runGenerator } from '../lib/generator.ts';
import { clockTicksPerSecond, sampleTrees, watchPeakRss } from '../lib/proc-stats.ts';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const { values: opts } = parseArgs({
  options: {
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: benchQuick() ? '3' : '10' },
    flags: { type: 'string', default: SIDECAR_NODE_OPTIONS },
    /** The generator's connection cap (the bench's is 512); a lower cap bounds an overloaded pair's backlog. */
    connections: { type: 'string', default: '512' },
    'from-source': { type: 'boolean', default: false },
    /** Another build's cli/main.js (A/B against an older build). */
    cli: { type: 'string' },
  },
});
const rate = Number(opts.rate);
const seconds = Number(opts.seconds);

const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

const dir = mkdtempSync(join(tmpdir(), 'weft-sidecar-rss-'));
const start = async <T>(
  cli: string,
  name: string,
  args: readonly string[],
  nodeFlags: readonly string[] = [],
): Promise<[number, T]> => {
  const portFile = join(dir, `${name}.ports`);
  const argv = [...nodeFlags, cli, ...args, '--port-file', portFile, '--log-level', 'warn'];
  const c = spawn(process.execPath, argv, { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(c);
  let alive = true;
  c.once('exit', () => (alive = false));
  return [c.pid as number, await waitForPortFile<T>(portFile, 30_000, () => alive)];
};

const body = Buffer.alloc(1024, 'x');
const app = createServer((_req, res) => res.writeHead(200, { 'content-length': body.length }).end(body));
await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
const appPort = (app.address() as AddressInfo).port;

try {
  let cli = opts.cli ?? join(REPO, 'cli/main.ts');
  if (!opts['from-source'] && !opts.cli) {
    await buildDist({ root: REPO, out: join(dir, 'dist') });
    cli = join(dir, 'dist/cli/main.js');
  }
  const configDir = join(dir, 'config');
  mkdirSync(configDir);
  writeFileSync(
    join(configDir, 'services.yaml'),
    `apiVersion: v1
kind: Service
metadata: { name: upstream, namespace: bench }
spec: { ports: [{ name: http, port: 80, targetPort: ${appPort}, appProtocol: http }] }
`,
  );
  const caDir = join(dir, 'ca');
  const [, cp] = await start<{ grpc: number }>(cli, 'control-plane', [
    ...[
      'control-plane',
      '--config-dir',
      configDir,
      '--ca-dir',
      caDir,
      '--grpc-port',
      '0',
      '--admin-port',
      '0',
    ],
  ]);
  const key = await readTokenKey(join(caDir, 'token.key'));
  if (!key.ok) throw new Error(JSON.stringify(key.error));
  const sidecar = (name: string, extra: readonly string[]) => {
    const tokenFile = join(dir, `${name}.token`);
    writeFileSync(
      tokenFile,
      issueLocalToken({ key: key.value, namespace: 'bench', serviceAccount: name, clock: systemClock }),
    );
    return start<{ outbound: number; inbound: number }>(
      cli,
      name,
      [
        ...['proxy', '--control-plane', `127.0.0.1:${cp.grpc}`, '--workload', name, '--namespace', 'bench'],
        ...['--token-file', tokenFile, '--listen-host', '127.0.0.1', '--app-port', String(appPort)],
        ...['--outbound-port', '0', '--inbound-port', '0', '--admin-port', '0', '--metrics-port', '0'],
        ...extra,
      ],
      opts.flags.split(' ').filter((f) => f !== ''),
    );
  };
  const [serverPid] = await sidecar('server', ['--service', 'upstream']);
  const [clientPid, client] = await sidecar('client', []);
  const pids = [clientPid, serverPid];
  const load = (r: number, ms: number) =>
    runGenerator(
      {
        protocol: 'h1',
        options: {
          port: client.outbound,
          hostHeader: 'upstream',
          path: '/',
          schedule: { rate: r, warmupMs: Math.min(ms, 2000), durationMs: ms },
          maxConnections: Number(opts.connections),
          drainMs: 2000,
        },
      },
      '0',
      () => undefined,
    );
  // until the client has the server's endpoint, requests fail fast; then one request, then idle
  for (let i = 0; i < 100; i++) {
    const r = await load(10, 100);
    if (r.ok === r.measured && r.measured > 0) break;
    await new Promise((res) => setTimeout(res, 200));
  }
  await new Promise((res) => setTimeout(res, 2000));
  const idle = pids.map((p) => sampleTrees([p]).rssKb / 1024);
  const peaks = pids.map((p) => watchPeakRss([p]));
  const ticks0 = sampleTrees(pids).cpuTicks;
  const r = await load(rate, seconds * 1000);
  const cpuSec = (sampleTrees(pids).cpuTicks - ticks0) / clockTicksPerSecond();
  const underLoad = peaks.map((p) => p() / 1024);
  const out = {
    flags: opts.flags,
    cli: opts.cli ?? (opts['from-source'] ? 'sources' : 'bundle'),
    rate,
    seconds,
    connections: Number(opts.connections),
    rssIdleMb: { client: idle[0], server: idle[1] },
    rssLoadMb: { client: underLoad[0], server: underLoad[1] },
    pairCpuSecPer1000: (cpuSec / Math.max(1, r.measured)) * 1000,
    ok: r.ok,
    failed: r.measured - r.ok,
    errors: r.errors,
    timeouts: r.timeouts,
    p50Ms: r.latencyMs.p50,
  };
  process.stderr.write(
    `sidecar RSS idle client ${idle[0]?.toFixed(1)} / server ${idle[1]?.toFixed(1)} MB; under ${rate} req/s ` +
      `client ${underLoad[0]?.toFixed(1)} / server ${underLoad[1]?.toFixed(1)} MB; ` +
      `pair CPU ${out.pairCpuSecPer1000.toFixed(3)} s/1000 req; ${out.failed} failed\n`,
  );
  process.stdout.write(`${JSON.stringify(out)}\n`);
} finally {
  for (const c of children) c.kill('SIGTERM');
  app.close();
  rmSync(dir, { recursive: true, force: true });
}

// `weft dev [DIR]`: the local mesh demo. Runs a control plane watching DIR, every DevWorkload as
// app + sidecar processes on loopback, and a load generator; shows live per-backend figures.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { formatIssues } from '../../api/model/result.ts';
import { type DevState, metricsPorts } from '../mesh-view/dev-state.ts';
import { LiveView } from '../mesh-view/live-view.ts';
import { scrapeMetrics } from '../mesh-view/scrape.ts';
import { canaryLines, type DevCanary, devCanaries, fetchCanaries } from './canaries.ts';
import { type FlowSummary } from './latency-stats.ts';
import { LoadGenerator } from './load-generator.ts';
import { collectFlows, flowSummary } from './mesh-stats.ts';
import { startMesh } from './mesh.ts';
import { readTopology } from './topology.ts';
import { renderTable, type ViewRow } from './view.ts';
import { waitUntilServing } from './warm-up.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface DevSummary {
  services: FlowSummary[];
  /** parent: the split service whose traffic the backend received */
  backends: (FlowSummary & { parent?: string })[];
  canaries: DevCanary[];
}

const positiveNumber = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
};

interface DevOptions {
  duration?: number;
  json?: boolean;
  rps?: number;
}

const summarize = async (state: DevState, load: LoadGenerator, target: string): Promise<DevSummary> => {
  const flows = collectFlows(await scrapeMetrics(metricsPorts(state)));
  const services = [load.stats.summary(target)];
  for (const [name, f] of flows.services)
    if (name !== target && name !== '') services.push(flowSummary(name, f));
  const backends = [...flows.backends].filter(([n]) => n !== '').map(([n, f]) => flowSummary(n, f));
  return { services, backends, canaries: [] };
};

const toRows = (summary: DevSummary, previous: Map<string, number>, seconds: number): ViewRow[] => {
  const rate = (key: string, requests: number): number => {
    const r = (requests - (previous.get(key) ?? 0)) / seconds;
    previous.set(key, requests);
    return Math.max(0, r);
  };
  const byService = new Map(summary.services.map((s) => [s.service, s.requests]));
  const rows: ViewRow[] = summary.services.map((s) => ({
    ...s,
    kind: 'service',
    rps: rate(`s:${s.service}`, s.requests),
  }));
  for (const b of summary.backends) {
    const parentRequests = b.parent ? byService.get(b.parent) : undefined;
    const share = parentRequests ? b.requests / parentRequests : undefined;
    rows.push({
      ...b,
      kind: 'backend',
      rps: rate(`b:${b.service}`, b.requests),
      ...(share === undefined ? {} : { share }),
    });
  }
  return rows;
};

const run = async (dirArg: string | undefined, opts: DevOptions): Promise<number> => {
  const dir = resolve(
    dirArg ?? (existsSync('examples/local') ? 'examples/local' : join(repoRoot, 'examples/local')),
  );
  const human = opts.json ? process.stderr : process.stdout;
  const topology = await readTopology(dir);
  if (!topology.ok) {
    process.stderr.write(`weft dev: invalid topology in ${dir}:\n${formatIssues(topology.error)}\n`);
    return 2;
  }
  const load = topology.value.load;
  if (!load) {
    process.stderr.write(
      `weft dev: ${dir} has no DevLoad object; add one (see examples/local/workloads.yaml)\n`,
    );
    return 2;
  }
  let crashed: string | undefined;
  let wake: () => void = () => undefined;
  const stopped = new Promise<void>((r) => (wake = r));
  const mesh = await startMesh(dir, topology.value, process.cwd(), (name, code) => {
    crashed = `${name} exited unexpectedly (code ${code}); see .weft/dev/logs/${name}.log`;
    wake();
  });
  const onSignal = (): void => wake();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const via = `127.0.0.1:${mesh.state.loadGenerator?.outboundPort}`;
  let generator: LoadGenerator | undefined;
  let exitCode = 0;
  try {
    human.write(
      `weft dev: mesh up from ${dir} (control plane ${mesh.state.controlPlane.address}); mTLS between every sidecar (STRICT unless weft.io/mtls-mode says otherwise; CA in .weft/dev/ca); state in .weft/dev/state.json\n`,
    );
    await waitUntilServing(via, load.target, 30_000);
    generator = new LoadGenerator({
      via,
      authority: load.target,
      rps: opts.rps ?? load.rps,
      concurrency: load.concurrency,
    });
    generator.start();
    human.write(
      `weft dev: sending ${opts.rps ?? load.rps} req/s to ${load.target}; edit ${dir} to change the mesh live; Ctrl-C stops\n`,
    );
    const view = new LiveView(human);
    const previous = new Map<string, number>();
    const refresh = setInterval(async () => {
      const summary = await summarize(mesh.state, generator as LoadGenerator, load.target);
      const canaries = canaryLines(await fetchCanaries(mesh.state.controlPlane.adminAddress));
      const table = renderTable(toRows(summary, previous, 1), `-- ${new Date().toISOString()}`);
      view.draw([table, ...canaries].join('\n'));
    }, 1000);
    const timer = opts.duration ? setTimeout(wake, opts.duration * 1000) : undefined;
    await stopped;
    clearInterval(refresh);
    clearTimeout(timer);
    await generator.stop();
    const summary = await summarize(mesh.state, generator, load.target);
    summary.canaries = devCanaries(await fetchCanaries(mesh.state.controlPlane.adminAddress));
    if (crashed) {
      process.stderr.write(`weft dev: ${crashed}\n`);
      exitCode = 1;
    }
    if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  } catch (e) {
    process.stderr.write(`weft dev: ${(e as Error).message}\n`);
    exitCode = 1;
  } finally {
    await generator?.stop();
    await mesh.stop();
  }
  return exitCode;
};

export const devCommand = (): Command =>
  new Command('dev')
    .description('run the local mesh demo: control plane, demo apps with sidecars, load and a live view')
    .argument('[dir]', 'folder of mesh YAML (Services, TrafficSplit, DevWorkload, DevLoad)', undefined)
    .addOption(
      new Option('--duration <seconds>', 'stop cleanly after this many seconds')
        .argParser(positiveNumber)
        .env('WEFT_DEV_DURATION'),
    )
    .addOption(
      new Option('--json', 'print a JSON summary on stdout at exit (the live view goes to stderr)').env(
        'WEFT_DEV_JSON',
      ),
    )
    .addOption(
      new Option('--rps <n>', 'load generator rate, overrides DevLoad.spec.rps')
        .argParser(positiveNumber)
        .env('WEFT_DEV_RPS'),
    )
    .action(async (dir: string | undefined, opts: DevOptions) => {
      process.exitCode = await run(dir, opts);
    });

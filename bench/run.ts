// `npm run bench [-- --quick] [--only NAME]`: one run on loopback that measures direct, weft and
// its peers (HAProxy, nginx, http-proxy) side by side, runs the other benches' hook scripts, and
// writes bench/results/<date>-<mode>.md and latest.json. See docs/benchmarks.md.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatIssues } from '../api/model/result.ts';
import { parseArgs, USAGE, type BenchOptions } from './lib/args.ts';
import { mergeDirect } from './lib/baseline.ts';
import { makeCerts } from './lib/certs.ts';
import { discoverHooks, hookAllowance, runHook, type Hook } from './lib/hooks.ts';
import { runNotes } from './lib/notes.ts';
import { latestJson } from './lib/latest-json.ts';
import { machine, versions } from './lib/machine.ts';
import { measureScenario } from './lib/measure.ts';
import { setNiceness } from './lib/processes.ts';
import { renderMarkdown } from './lib/report.ts';
import type { Scenario } from './lib/scenario.ts';
import { select } from './lib/select.ts';
import type { HookResult, RowResult, RunReport } from './lib/types.ts';
import { startUpstream } from './peers/nginx.ts';
import { scenarios } from './scenarios.ts';
import { summaryLine } from './lib/progress.ts';

const benchDir = dirname(fileURLToPath(import.meta.url));
const log = (line: string): boolean => process.stderr.write(`[bench] ${line}\n`);
process.once('SIGINT', () => process.exit(130)); // the exit handler kills every child

const TOOLS = ['wrk', 'haproxy', 'nginx', 'openssl', 'taskset'];
const missingTools = (): string[] =>
  TOOLS.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);

const ensureTools = (setup: boolean): void => {
  if (missingTools().length && setup) {
    log(`installing ${missingTools().join(' ')} with bench/setup.sh`);
    spawnSync('bash', [join(benchDir, 'setup.sh')], { stdio: 'inherit' });
  }
  const still = missingTools();
  if (still.length) {
    log(`missing tools: ${still.join(', ')} (run bench/setup.sh as root)`);
    process.exit(1);
  }
};

/** Load generator alone on cpu 0; proxies and the upstream share cpu 1 (everything on 0 if single-core). */
const layout = (nproc: number) =>
  nproc >= 2
    ? {
        load: '0',
        proxies: '1',
        all: `0-${nproc - 1}`,
        text: 'load generator (wrk, h2load, open-loop) pinned to cpu 0; proxies and the upstream nginx pinned to cpu 1; hooks run afterwards on all CPUs',
      }
    : {
        load: '0',
        proxies: '0',
        all: '0',
        text: 'single CPU: generator, proxies and upstream all on cpu 0 (figures are not comparable to 2-CPU runs)',
      };

const runRows = async (rows: readonly Scenario[], o: BenchOptions, cpus: ReturnType<typeof layout>) => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-bench-'));
  const results: RowResult[] = [];
  try {
    const certs = makeCerts(dir);
    const upstream = await startUpstream({ dir, certs, proxyCpus: cpus.proxies });
    const env = {
      dir,
      certs,
      upstreamPort: upstream.port,
      upstreamGrpcPort: upstream.grpcPort,
      proxyCpus: cpus.proxies,
    };
    try {
      const measure = async (s: Scenario): Promise<RowResult> => {
        log(`${s.name} …`);
        // a short pause lets the previous row's sockets close and its CPU go quiet
        await new Promise((r) => setTimeout(r, 250));
        const r = await measureScenario(s, env, o.plan, cpus.load);
        log(summaryLine(r));
        return r;
      };
      for (const s of rows) results.push(await measure(s));
      // each protocol's baseline is measured again after its proxy rows (see baseline.ts)
      for (const protocol of ['h1', 'grpc'] as const) {
        const at = results.findIndex((r) => r.shape === 'direct' && r.protocol === protocol);
        const direct = rows[at];
        if (direct && results.some((r) => r.protocol === protocol && r.shape !== 'direct'))
          results[at] = mergeDirect(results[at] as RowResult, await measure(direct));
      }
    } finally {
      await upstream.proc.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
};

const runHooks = async (hooks: readonly Hook[], o: BenchOptions, cpus: string, t0: number) => {
  const out: HookResult[] = [];
  for (const h of hooks) {
    const allowance = hookAllowance(o.plan.hookTimeoutMs, o.plan.budgetMs, performance.now() - t0);
    if (allowance === 0) {
      const error = `skipped: the ${o.plan.mode} run's time budget was used up (run it with --only ${h.name})`;
      out.push({ name: h.name, seconds: 0, error });
      continue;
    }
    log(`hook ${h.name} …`);
    out.push(await runHook(h, cpus, allowance, o.plan.mode === 'quick'));
  }
  return out;
};

/** Writes the Markdown file (and latest.json for complete runs); returns the Markdown path. */
const writeResults = (report: RunReport, o: BenchOptions): string => {
  const outDir = o.outDir ?? join(benchDir, 'results');
  mkdirSync(outDir, { recursive: true });
  const suffix = o.only.length ? `-only-${o.only.join('+').replaceAll('/', '_')}` : '';
  const mdPath = join(outDir, `${report.meta.date}-${o.plan.mode}${suffix}.md`);
  writeFileSync(mdPath, renderMarkdown(report));
  // a partial run must not replace the full summary other tools compare against
  if (!o.only.length)
    writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify(latestJson(report), null, 2)}\n`);
  return mdPath;
};

const options = (): BenchOptions => {
  const parsed = parseArgs(process.argv.slice(2));
  if (!parsed.ok) {
    process.stderr.write(`${formatIssues(parsed.error)}\n${USAGE}\n`);
    process.exit(2);
  }
  if (parsed.value.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  return parsed.value;
};

const main = async (): Promise<void> => {
  const o = options();
  setNiceness(o.nice);
  const chosen = select(o.only, scenarios, discoverHooks(benchDir));
  if (chosen.unknown.length) {
    const names = [...scenarios.map((s) => s.name), ...discoverHooks(benchDir).map((h) => h.name)];
    process.stderr.write(`unknown --only names: ${chosen.unknown.join(', ')}\nknown: ${names.join(', ')}\n`);
    process.exit(2);
  }
  const m = machine();
  const cpus = layout(m.nproc);
  if (chosen.rows.length) ensureTools(o.setup);
  const t0 = performance.now();
  const rows = chosen.rows.length ? await runRows(chosen.rows, o, cpus) : [];
  const hooks = await runHooks(chosen.hooks, o, cpus.all, t0);
  const notes = runNotes(o, rows, m.loadAverage[0] ?? 0);
  const date = new Date().toISOString().slice(0, 10);
  const report: RunReport = {
    meta: { date, mode: o.plan.mode, ...m, versions: versions(), layout: cpus.text, plan: o.plan, notes },
    rows,
    hooks,
  };
  const mdPath = writeResults(report, o);
  process.stdout.write(renderMarkdown(report));
  log(`wrote ${mdPath} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
};

await main();
process.exit(0);

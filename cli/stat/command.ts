// `weft stat [service]`: requests/s, success rate and p50/p95/p99 per service and per split
// backend. Local mode (default) scrapes the sidecars of a running `weft dev` twice and computes the
// figures itself; --prometheus URL asks a Prometheus instead. --watch refreshes, -o json prints
// one JSON object per refresh.
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { metricsPorts, readDevState, statePath } from '../mesh-view/dev-state.ts';
import { forService, type StatRow } from '../mesh-view/figures.ts';
import { LiveView } from '../mesh-view/live-view.ts';
import { envOption, secondsUpTo } from '../options.ts';
import { localSampler, type Sampler } from './local-source.ts';
import { prometheusSampler } from './prometheus-source.ts';
import { renderStat } from './render.ts';

interface StatFlags {
  prometheus?: string;
  window: string;
  interval: number;
  watch?: boolean;
  output: 'table' | 'json';
  state?: string;
}

export interface StatReport {
  readonly at: string;
  readonly source: string;
  readonly rows: readonly StatRow[];
}

const seconds = secondsUpTo(3600);

const promRange = (v: string): string => {
  if (!/^\d+(ms|s|m|h)$/.test(v))
    throw new InvalidArgumentError('must be a Prometheus range such as 30s or 1m');
  return v;
};

const samplerOf = async (f: StatFlags): Promise<{ sampler: Sampler; source: string }> => {
  if (f.prometheus)
    return { sampler: prometheusSampler(f.prometheus, f.window, f.interval * 1000), source: f.prometheus };
  const file = resolve(f.state ?? statePath(process.cwd()));
  const state = await readDevState(file);
  return { sampler: localSampler(metricsPorts(state), f.interval * 1000), source: file };
};

const run = async (service: string | undefined, f: StatFlags): Promise<number> => {
  let source: Awaited<ReturnType<typeof samplerOf>>;
  try {
    source = await samplerOf(f);
  } catch (e) {
    process.stderr.write(`weft stat: ${(e as Error).message}\n`);
    return 1;
  }
  const view = new LiveView(process.stdout);
  let stopped = false;
  process.once('SIGINT', () => (stopped = true));
  do {
    let rows: StatRow[];
    try {
      rows = forService(await source.sampler.sample(), service);
    } catch (e) {
      process.stderr.write(`weft stat: ${(e as Error).message}\n`);
      return 1;
    }
    const report: StatReport = { at: new Date().toISOString(), source: source.source, rows };
    if (f.output === 'json') process.stdout.write(`${JSON.stringify(report)}\n`);
    else view.draw(`${renderStat(rows)}\n-- ${report.at} from ${report.source}`);
  } while (f.watch && !stopped);
  return 0;
};

export const statCommand = (): Command =>
  new Command('stat')
    .description('requests/s, success rate and latency percentiles per service and per backend')
    .argument('[service]', 'only this service (name or namespace/name) and its backends')
    .addOption(
      envOption('--prometheus <url>', 'query this Prometheus instead of scraping the local sidecars'),
    )
    .addOption(
      envOption('--window <range>', 'Prometheus mode: rate window').argParser(promRange).default('1m'),
    )
    .addOption(
      envOption('--interval <seconds>', 'local mode: time between the two scrapes; --watch: refresh period')
        .argParser(seconds)
        .default(2),
    )
    .addOption(
      envOption('--state <file>', 'local mode: state file of weft dev (default .weft/dev/state.json)'),
    )
    .addOption(new Option('-w, --watch', 'refresh until Ctrl-C'))
    .addOption(
      new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'),
    )
    .action(async (service: string | undefined, f: StatFlags) => {
      process.exitCode = await run(service, f);
    });

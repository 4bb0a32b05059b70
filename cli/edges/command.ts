// `weft edges`: for each pair of workloads that talked, requests, success rate, p99 and whether
// the edge was mesh mTLS with verified identities at both ends. Local mode (default) scrapes the
// sidecars of a running `weft dev` once (counters since each sidecar started); --prometheus URL
// asks a Prometheus for the increase over --window instead.
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { metricsPorts, readDevState, statePath } from '../mesh-view/dev-state.ts';
import { edgeRows, edgeSeriesOfScrapes, type EdgeRow, type EdgeSeries } from '../mesh-view/edge-figures.ts';
import { scrapeMetrics } from '../mesh-view/scrape.ts';
import { envOption } from '../options.ts';
import { prometheusEdgeSeries } from './prometheus-source.ts';
import { renderEdges } from './render.ts';

interface EdgesFlags {
  prometheus?: string;
  window: string;
  output: 'table' | 'json';
  state?: string;
}

export interface EdgesReport {
  readonly at: string;
  readonly source: string;
  /** What the request counts cover: `since start` (local) or the Prometheus range. */
  readonly window: string;
  readonly edges: readonly EdgeRow[];
}

const promRange = (v: string): string => {
  if (!/^\d+(ms|s|m|h|d)$/.test(v))
    throw new InvalidArgumentError('must be a Prometheus range such as 5m or 1h');
  return v;
};

const EXAMPLES = `
Examples:
  weft edges                                  # the local mesh of \`weft dev\` (since its sidecars started)
  weft edges -o json | jq '.edges[] | select(.mtls != "yes")'
  weft edges --prometheus http://127.0.0.1:9090 --window 24h

MTLS is "yes" when every request of the edge was mesh mTLS and the destination verified the
caller's identity; "NO (plaintext)" when none was (a caller outside the mesh, accepted because
the destination is PERMISSIVE), PARTIAL when both happened.`;

const seriesOf = async (f: EdgesFlags): Promise<{ series: EdgeSeries[]; source: string; window: string }> => {
  if (f.prometheus)
    return {
      series: await prometheusEdgeSeries(f.prometheus, f.window),
      source: f.prometheus,
      window: f.window,
    };
  const file = resolve(f.state ?? statePath(process.cwd()));
  const ports = metricsPorts(await readDevState(file));
  const scrapes = await scrapeMetrics(ports);
  if (scrapes.every((s) => s.length === 0))
    throw new Error(`no sidecar of ${file} answered on its metrics port: is \`weft dev\` still running?`);
  return { series: edgeSeriesOfScrapes(scrapes), source: file, window: 'since start' };
};

const run = async (f: EdgesFlags): Promise<number> => {
  let got: Awaited<ReturnType<typeof seriesOf>>;
  try {
    got = await seriesOf(f);
  } catch (e) {
    process.stderr.write(`weft edges: ${(e as Error).message}\n`);
    return 1;
  }
  const report: EdgesReport = {
    at: new Date().toISOString(),
    source: got.source,
    window: got.window,
    edges: edgeRows(got.series),
  };
  if (f.output === 'json') process.stdout.write(`${JSON.stringify(report)}\n`);
  else process.stdout.write(`${renderEdges(report.edges)}\n-- ${report.window}, from ${report.source}\n`);
  return 0;
};

export const edgesCommand = (): Command =>
  new Command('edges')
    .description('requests, success, p99 and mTLS state of each pair of workloads that talked')
    .addOption(
      envOption('--prometheus <url>', 'query this Prometheus instead of scraping the local sidecars'),
    )
    .addOption(
      envOption('--window <range>', 'Prometheus mode: the range the counts cover')
        .argParser(promRange)
        .default('1h'),
    )
    .addOption(
      envOption('--state <file>', 'local mode: state file of weft dev (default .weft/dev/state.json)'),
    )
    .addOption(
      new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'),
    )
    .addHelpText('after', EXAMPLES)
    .action(async (f: EdgesFlags) => {
      process.exitCode = await run(f);
    });

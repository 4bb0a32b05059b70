// `weft analyze`: what the control plane would say about a configuration before it is applied
// (-f files/folders) or about what a cluster holds (--kubeconfig), with the control plane's own
// parser and compiler plus cross-object checks. Exit 0 clean, 1 findings: usable as a CI gate.
import { Command, Option } from 'commander';
import { envOption, outputOption, secondsUpTo } from '../options.ts';
import { analyze, type AnalysisInput } from './analyze.ts';
import type { Finding } from './finding.ts';
import { loadFiles } from './load-files.ts';
import { renderFindings } from './render.ts';

interface AnalyzeFlags {
  filename?: string[];
  kubeconfig?: string;
  namespace: string;
  timeout: number;
  clusterDomain: string;
  output: 'table' | 'json';
}

export interface AnalyzeReport {
  readonly objects: number;
  readonly findings: readonly Finding[];
}

const seconds = secondsUpTo(600);

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

const inputOf = async (f: AnalyzeFlags): Promise<Omit<AnalysisInput, 'clusterDomain'>> => {
  if (f.kubeconfig) {
    const { loadCluster } = await import('./load-cluster.ts');
    return { ...(await loadCluster(f.kubeconfig, f.timeout * 1000)), defaultNamespace: f.namespace };
  }
  return { ...(await loadFiles(f.filename ?? [], f.namespace)), defaultNamespace: f.namespace };
};

const run = async (f: AnalyzeFlags): Promise<number> => {
  if (!f.filename?.length && !f.kubeconfig) {
    process.stderr.write('weft analyze: pass -f FILE|DIR (offline) or --kubeconfig FILE (live)\n');
    return 2;
  }
  let input: Omit<AnalysisInput, 'clusterDomain'>;
  try {
    input = await inputOf(f);
  } catch (e) {
    process.stderr.write(`weft analyze: ${(e as Error).message}\n`);
    return 1;
  }
  const findings = analyze({ ...input, clusterDomain: f.clusterDomain });
  const report: AnalyzeReport = { objects: input.raw.length, findings };
  process.stdout.write(
    f.output === 'json'
      ? `${JSON.stringify(report, null, 2)}\n`
      : `${renderFindings(findings, report.objects)}\n`,
  );
  return findings.length > 0 ? 1 : 0;
};

export const analyzeCommand = (): Command =>
  new Command('analyze')
    .description('find what the control plane would reject or warn about, and cross-object mistakes')
    .addOption(
      new Option(
        '-f, --filename <path>',
        'YAML file or folder (repeatable); folders are read like --config-dir',
      ).argParser(collect),
    )
    .addOption(envOption('--kubeconfig <file>', 'analyze what this cluster holds instead of files'))
    .addOption(
      envOption('--timeout <seconds>', 'live: how long to wait for the API server to list')
        .argParser(seconds)
        .default(15),
    )
    .addOption(envOption('--namespace <ns>', 'namespace of objects that name none').default('default'))
    .addOption(
      envOption('--cluster-domain <domain>', 'DNS suffix of service host names').default('cluster.local'),
    )
    .addOption(outputOption())
    .addHelpText(
      'after',
      `
Examples:
  weft analyze -f examples/local              a folder, as the local control plane would read it
  weft analyze -f split.yaml -f policies/     several files and folders together
  weft analyze --kubeconfig ~/.kube/config    every mesh object of a cluster
  weft analyze -f deploy/ -o json             findings as JSON: objects, findings[].check/severity/object/field/message/fix

Checks: every issue the control plane logs (check "compile"), split-backend-no-endpoints,
traffic-target-denies-all, policy-targets-nothing, fault-without-end, overlapping-routes.
Exit code 0 when nothing is found, 1 on any finding or when the input cannot be read, 2 on bad usage.`,
    )
    .action(async (f: AnalyzeFlags) => {
      process.exitCode = await run(f);
      // The Kubernetes client keeps idle keep-alive sockets to the API server open for ~30 s after
      // the informers stop; a one-shot command should not wait for them (stdout is written).
      if (f.kubeconfig) process.exit();
    });

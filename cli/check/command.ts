// `weft check`: is the mesh healthy? Grouped checks with ✓ (passed), × (failed) and ‼ (warning),
// a hint under every one that did not pass, exit 1 when any failed. Local mode reads the mesh
// of a running `weft dev`; --kubeconfig checks an installation in a cluster.
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { statePath } from '../mesh-view/dev-state.ts';
import { envOption, outputOption } from '../options.ts';
import { checkLocalMesh } from './local-mesh.ts';
import { renderChecks, type CheckResult } from './result.ts';

interface CheckFlags {
  pre?: boolean;
  proxy?: boolean;
  kubeconfig?: string;
  namespace: string;
  state?: string;
  output: 'table' | 'json';
}

export interface CheckReport {
  readonly ok: boolean;
  readonly checks: readonly CheckResult[];
}

const resultsOf = async (f: CheckFlags): Promise<CheckResult[]> => {
  if (f.kubeconfig) {
    const { checkCluster } = await import('./cluster.ts');
    return checkCluster(f.kubeconfig, { pre: f.pre === true, namespace: f.namespace, nowMs: Date.now() });
  }
  return checkLocalMesh(resolve(f.state ?? statePath(process.cwd())));
};

const run = async (f: CheckFlags): Promise<number> => {
  if (f.pre && !f.kubeconfig) {
    process.stderr.write('weft check: --pre checks a cluster before install; pass --kubeconfig FILE\n');
    return 2;
  }
  const checks = await resultsOf(f);
  const report: CheckReport = { ok: !checks.some((c) => c.status === 'fail'), checks };
  process.stdout.write(
    f.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : `${renderChecks(checks)}\n`,
  );
  return report.ok ? 0 : 1;
};

export const checkCommand = (): Command =>
  new Command('check')
    .description(
      'check the mesh: control plane, sidecars (snapshots, certificates), or an installation in a cluster',
    )
    .addOption(
      new Option('--proxy', 'local mode checks every sidecar anyway; accepted for symmetry with cluster use'),
    )
    .addOption(
      new Option('--pre', 'cluster: before install, check the Kubernetes version and conflicting CRDs'),
    )
    .addOption(envOption('--kubeconfig <file>', 'check the installation in this cluster'))
    .addOption(
      envOption('--namespace <ns>', 'cluster: namespace weft is installed in').default('weft-system'),
    )
    .addOption(
      envOption('--state <file>', 'local mode: state file of weft dev (default .weft/dev/state.json)'),
    )
    .addOption(outputOption())
    .addHelpText(
      'after',
      `
Examples:
  weft check                              the running \`weft dev\`: control plane, every sidecar's snapshot and certificate
  weft check --kubeconfig ~/.kube/config  CRDs, control-plane replicas and leader, webhook CA, CA root, weft-root-ca ConfigMaps
  weft check --pre --kubeconfig FILE      before install: Kubernetes version, conflicting CRDs
  weft check -o json                      { ok, checks: [{ group, name, status, detail, hint }] }

✓ passed, × failed, ‼ warning. Exit code 1 when any check failed.`,
    )
    .action(async (f: CheckFlags) => {
      process.exitCode = await run(f);
      // Idle keep-alive sockets to the API server must not hold a one-shot command for ~30 s.
      if (f.kubeconfig) process.exit();
    });

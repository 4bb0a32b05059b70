// The `weft` command: one binary; each subcommand is cli/<name>/command.ts with its helpers beside
// it (cli/options.ts holds the flag helpers they all use). What the views of the local mesh share (dev, stat,
// dashboard: state file, scraping, figures, live redraw) is cli/mesh-view/.
// Exit codes: 0 success, 1 runtime failure, 2 bad usage or configuration.
// Only the subcommand being run is imported (all of them for `weft --help` and unknown names): a
// sidecar (`weft proxy`) must not load the control plane, the injector or the Kubernetes client.
import { Command } from 'commander';
import { WEFT_VERSION } from '../api/runtime/version.ts';

const SUBCOMMANDS: ReadonlyArray<readonly [string, () => Promise<Command>]> = [
  ['control-plane', async () => (await import('./control-plane/command.ts')).controlPlaneCommand()],
  ['proxy', async () => (await import('./proxy/command.ts')).proxyCommand()],
  ['dev', async () => (await import('./dev/command.ts')).devCommand()],
  ['ca', async () => (await import('./ca/command.ts')).caCommand()],
  ['inject', async () => (await import('./inject/command.ts')).injectCommand()],
  ['init', async () => (await import('./init/command.ts')).initCommand()],
  ['install', async () => (await import('./install/command.ts')).installCommand()],
  ['stat', async () => (await import('./stat/command.ts')).statCommand()],
  ['edges', async () => (await import('./edges/command.ts')).edgesCommand()],
  ['dashboard', async () => (await import('./dashboard/command.ts')).dashboardCommand()],
  ['analyze', async () => (await import('./analyze/command.ts')).analyzeCommand()],
  ['check', async () => (await import('./check/command.ts')).checkCommand()],
  ['diagnose', async () => (await import('./diagnose/command.ts')).diagnoseCommand()],
  ['version', async () => (await import('./version/command.ts')).versionCommand()],
  ['canary', async () => (await import('./canary/command.ts')).canaryCommand()],
];

const program = new Command('weft')
  .description('weft: a lightweight Kubernetes service mesh')
  .version(WEFT_VERSION)
  .exitOverride((err) => {
    // commander's usage errors exit 1 by default; weft reserves 2 for bad usage
    process.exit(err.exitCode === 0 ? 0 : 2);
  });
const named = SUBCOMMANDS.filter(([name]) => name === process.argv[2]);
for (const [, load] of named.length ? named : SUBCOMMANDS) {
  const cmd = await load();
  program.addCommand(cmd.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2)));
}
await program.parseAsync();

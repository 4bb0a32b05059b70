// The `weft` command: one binary; a subcommand is either cli/<name>/command.ts with its helpers
// beside it, or one file cli/<name>.ts. What the views of the local mesh share (dev, stat,
// dashboard: state file, scraping, figures, live redraw) is cli/mesh-view/.
// Exit codes: 0 success, 1 runtime failure, 2 bad usage or configuration.
import { Command } from 'commander';
import { caCommand } from './ca.ts';
import { controlPlaneCommand } from './control-plane.ts';
import { dashboardCommand } from './dashboard/command.ts';
import { devCommand } from './dev/command.ts';
import { initCommand } from './init/command.ts';
import { injectCommand } from './inject/command.ts';
import { installCommand } from './install/command.ts';
import { proxyCommand } from './proxy.ts';
import { statCommand } from './stat/command.ts';

const program = new Command('weft')
  .description('weft: a lightweight Kubernetes service mesh')
  .version('0.1.0')
  .exitOverride((err) => {
    // commander's usage errors exit 1 by default; weft reserves 2 for bad usage
    process.exit(err.exitCode === 0 ? 0 : 2);
  });
for (const cmd of [
  controlPlaneCommand(),
  proxyCommand(),
  devCommand(),
  caCommand(),
  injectCommand(),
  initCommand(),
  installCommand(),
  statCommand(),
  dashboardCommand(),
]) {
  program.addCommand(cmd.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2)));
}
await program.parseAsync();

// The `weft` command: one binary, one subcommand per file in cli/.
import { Command } from 'commander';

const program = new Command('weft')
  .description('weft: a lightweight Kubernetes service mesh')
  .version('0.1.0');
program.parse();

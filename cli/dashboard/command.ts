// `weft dashboard`: a small web page on loopback with the live service graph of a running
// `weft dev` (requests/s, success rate, p99 per edge), each TrafficSplit with its weights and
// observed shares, and the fault experiments. Figures come straight from the sidecars.
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { readDevState, statePath } from '../mesh-view/dev-state.ts';
import { envOption, portOption } from '../options.ts';
import { startCollector } from './collector.ts';
import { startDashboardServer } from './server.ts';

interface DashboardFlags {
  port: number;
  interval: number;
  state?: string;
}

const seconds = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0.2 || n > 60) throw new InvalidArgumentError('must be seconds, 0.2–60');
  return n;
};

const run = async (f: DashboardFlags): Promise<void> => {
  const file = resolve(f.state ?? statePath(process.cwd()));
  const state = await readDevState(file).catch((e: Error) => {
    process.stderr.write(`weft dashboard: ${e.message}\n`);
    return process.exit(1);
  });
  const collector = startCollector(state, f.interval * 1000);
  const server = await startDashboardServer('127.0.0.1', f.port, collector);
  process.stdout.write(`weft dashboard: ${server.url} (mesh of ${file}); Ctrl-C stops\n`);
  const stop = async (): Promise<void> => {
    collector.stop();
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
};

export const dashboardCommand = (): Command =>
  new Command('dashboard')
    .description('serve a live dashboard of the local mesh on 127.0.0.1 (service graph, splits, faults)')
    .addOption(portOption('--port <port>', 'HTTP port on 127.0.0.1 (0 = any free port)', 15080))
    .addOption(
      envOption('--interval <seconds>', 'refresh period of the figures').argParser(seconds).default(1),
    )
    .addOption(envOption('--state <file>', 'state file of weft dev (default .weft/dev/state.json)'))
    .action(async (f: DashboardFlags) => {
      await run(f);
    });

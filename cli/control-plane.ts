// `weft control-plane`: compile mesh resources into per-sidecar snapshots and push them over gRPC.
// Local mode reads a folder of Kubernetes-shaped YAML (--config-dir); Kubernetes mode watches the
// API (--kubeconfig FILE or --in-cluster) and is composed in cli/control-plane-kube.ts.
import { Command } from 'commander';
import { pino } from 'pino';
import { exitWithParent } from '../api/runtime/exit-with-parent.ts';
import { writePortFile } from '../api/runtime/port-file.ts';
import { startControlPlane, type RunningControlPlane } from '../control-plane/runtime.ts';
import { addKubeOptions, startFromKubeFlags, wantsKube, type KubeFlags } from './control-plane-kube.ts';
import { envOption, portOf, portOption } from './options.ts';

interface ControlPlaneFlags extends KubeFlags {
  configDir?: string;
  host: string;
  grpcPort: number;
  adminPort: number;
  trustDomain: string;
  portFile?: string;
  exitWithParent?: boolean;
  logLevel: string;
}

const run = async (flags: ControlPlaneFlags): Promise<void> => {
  const logger = pino({ level: flags.logLevel, base: { component: 'control-plane' } });
  const common = {
    host: flags.host,
    grpcPort: flags.grpcPort,
    adminPort: flags.adminPort,
    trustDomain: flags.trustDomain,
    logger,
  };
  let cp: RunningControlPlane;
  if (wantsKube(flags)) cp = await startFromKubeFlags(flags, common);
  else if (flags.configDir) cp = await startControlPlane({ ...common, configDir: flags.configDir });
  else {
    process.stderr.write(
      'weft control-plane: give --config-dir DIR (local mode), --kubeconfig FILE or --in-cluster\n',
    );
    process.exit(2);
  }
  if (flags.portFile)
    await writePortFile(flags.portFile, {
      grpc: portOf(cp.grpcAddress),
      admin: portOf(cp.adminAddress),
      pid: process.pid,
    });
  logger.info({ grpc: cp.grpcAddress, admin: cp.adminAddress }, 'control plane serving');
  const stop = async (): Promise<void> => {
    await cp.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  if (flags.exitWithParent) exitWithParent(() => void stop());
};

export const controlPlaneCommand = (): Command =>
  addKubeOptions(new Command('control-plane'))
    .description('run the control plane: watch mesh resources, push snapshots to sidecars')
    .addOption(envOption('--config-dir <dir>', 'folder of mesh YAML to watch (local mode)'))
    .addOption(envOption('--host <host>', 'address to listen on').default('127.0.0.1'))
    .addOption(portOption('--grpc-port <port>', 'gRPC discovery (and certificate) service', 15010))
    .addOption(portOption('--admin-port <port>', 'HTTP /metrics, /status, /ready', 15014))
    .addOption(envOption('--trust-domain <domain>', 'SPIFFE trust domain').default('cluster.local'))
    .addOption(envOption('--port-file <file>', 'write the bound ports as JSON here once listening'))
    .addOption(envOption('--exit-with-parent', 'exit when the parent process goes away (used by weft dev)'))
    .addOption(envOption('--log-level <level>', 'pino log level').default('info'))
    .action(run);

// `weft control-plane`: compile mesh resources into per-sidecar snapshots and push them over gRPC.
// Flags only: local mode (--config-dir, control-plane/modes/local.ts: the CA from --ca-dir, local
// tokens signed with --token-key-file) or Kubernetes mode (--kubeconfig FILE or --in-cluster; its
// flags in cli/control-plane/kube-flags.ts, the mode in control-plane/modes/kubernetes.ts).
import { Command, InvalidArgumentError } from 'commander';
import { parseDuration } from '../../api/schema/duration.ts';
import { exitWithParent } from '../exit-with-parent.ts';
import { createLogger } from '../../api/runtime/logger.ts';
import { writePortFile } from '../port-file.ts';
import { LocalModeSetupError, startLocalControlPlane } from '../../control-plane/modes/local.ts';
import type { CanaryOptions } from '../../control-plane/canary/assemble.ts';
import { DEFAULT_STARTUP_GRACE_MS } from '../../control-plane/push/startup-grace.ts';
import type { RunningControlPlane } from '../../control-plane/runtime.ts';
import { addKubeOptions, startFromKubeFlags, wantsKube, type KubeFlags } from './kube-flags.ts';
import { envOption, portOf, portOption } from '../options.ts';

interface ControlPlaneFlags extends KubeFlags {
  configDir?: string;
  host: string;
  grpcPort: number;
  adminPort: number;
  trustDomain: string;
  caDir?: string;
  certTtl: number;
  tokenKeyFile?: string;
  caPoll: number;
  startupGrace: number;
  portFile?: string;
  exitWithParent?: boolean;
  logLevel: string;
  prometheus?: string;
  prometheusScrapeInterval?: number;
  canaryState?: string;
}

const durationArg = (v: string): number => {
  const d = parseDuration(v);
  if (!d.ok || d.value <= 0) throw new InvalidArgumentError(`must be a duration such as 30s, 10m or 24h`);
  return d.value;
};

const graceArg = (v: string): number => {
  const d = parseDuration(v);
  if (!d.ok || d.value < 0) throw new InvalidArgumentError(`must be a duration such as 12s, or 0 for none`);
  return d.value;
};

const fail = (message: string): never => {
  process.stderr.write(`weft control-plane: ${message}\n`);
  process.exit(2);
};

/** The Canary controller's figures (Prometheus or the sidecars) and, locally, its record file. */
const canaryOptionsOf = (flags: ControlPlaneFlags): CanaryOptions => ({
  ...(flags.prometheus !== undefined ? { prometheusUrl: flags.prometheus } : {}),
  ...(flags.prometheusScrapeInterval !== undefined
    ? { scrapeIntervalMs: flags.prometheusScrapeInterval }
    : {}),
  ...(flags.canaryState !== undefined ? { stateFile: flags.canaryState } : {}),
});

const run = async (flags: ControlPlaneFlags): Promise<void> => {
  const logger = createLogger({ level: flags.logLevel, base: { component: 'control-plane' } });
  const common = {
    host: flags.host,
    grpcPort: flags.grpcPort,
    adminPort: flags.adminPort,
    trustDomain: flags.trustDomain,
    logger,
  };
  let cp: RunningControlPlane;
  if (wantsKube(flags)) {
    if (flags.caDir !== undefined || flags.tokenKeyFile !== undefined)
      logger.warn(
        '--ca-dir and --token-key-file are for local mode; Kubernetes mode keeps its CA in a Secret',
      );
    cp = await startFromKubeFlags(flags, common);
  } else if (flags.configDir) {
    cp = await startLocalControlPlane({
      ...common,
      configDir: flags.configDir,
      startupGraceMs: flags.startupGrace,
      canary: canaryOptionsOf(flags),
      ...(flags.caDir !== undefined ? { caDir: flags.caDir } : {}),
      ...(flags.tokenKeyFile !== undefined ? { tokenKeyFile: flags.tokenKeyFile } : {}),
      workloadTtlMs: flags.certTtl,
      caPollMs: flags.caPoll,
    }).catch((e: unknown) => (e instanceof LocalModeSetupError ? fail(e.message) : Promise.reject(e)));
  } else {
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
    .addOption(
      envOption(
        '--ca-dir <dir>',
        'CA directory (local mode): created with a new ECDSA P-256 root if absent; `weft ca rotate` works on it',
      ),
    )
    .addOption(
      envOption('--cert-ttl <duration>', 'workload certificate lifetime, e.g. 24h or 6s')
        .argParser(durationArg)
        .default(86_400_000, '24h'),
    )
    .addOption(
      envOption(
        '--token-key-file <file>',
        'HMAC key of local workload tokens (created if absent; default <ca-dir>/token.key)',
      ),
    )
    .addOption(
      envOption('--ca-poll <duration>', 'how often the CA directory is checked for rotation')
        .argParser(durationArg)
        .default(10_000, '10s'),
    )
    .addOption(
      envOption(
        '--startup-grace <duration>',
        'local mode: after start, sidecars that reconnect keep their snapshot until every Service has an endpoint again or this long has passed (0 = off)',
      )
        .argParser(graceArg)
        .default(DEFAULT_STARTUP_GRACE_MS, '12s'),
    )
    .addOption(
      envOption(
        '--prometheus <url>',
        'Canary analysis reads request figures from this Prometheus instead of the sidecars’ /metrics',
      ),
    )
    .addOption(
      envOption(
        '--prometheus-scrape-interval <duration>',
        'how often Prometheus scrapes the sidecars (default 15s): no Canary analysis window may be shorter',
      ).argParser(durationArg),
    )
    .addOption(
      envOption('--canary-state <file>', 'local mode: record Canary rollouts here so a restart resumes them'),
    )
    .addOption(envOption('--port-file <file>', 'write the bound ports as JSON here once listening'))
    .addOption(envOption('--exit-with-parent', 'exit when the parent process goes away (used by weft dev)'))
    .addOption(envOption('--log-level <level>', 'pino log level').default('info'))
    .action(run);

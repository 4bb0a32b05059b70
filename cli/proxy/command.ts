// `weft proxy`: run one sidecar. With --control-plane it takes its configuration from the control
// plane, with --config from a static file. With --token-file it also gets its certificate from the
// CA (--ca-address, default the control plane) and speaks mTLS to other sidecars: the key is
// made in this process and never sent; with --state-dir (the injected in-memory volume) it is
// also kept there with the last snapshot, so a restart while the control plane is away can serve.
// Here only the flags are read; proxy/sidecar/start-sidecar.ts assembles the sidecar.
import { Command, InvalidArgumentError, Option } from 'commander';
import { formatIssues } from '../../api/model/result.ts';
import { parseDuration } from '../../api/schema/duration.ts';
import { createLogger } from '../../api/runtime/logger.ts';
import { exitWithParent } from '../exit-with-parent.ts';
import { writePortFile } from '../port-file.ts';
import { readOtelEnv } from '../../proxy/observability/env.ts';
import type { SidecarFlagOptions } from '../../proxy/sidecar/options.ts';
import { startSidecar } from '../../proxy/sidecar/start-sidecar.ts';
import { ListenError, SidecarConfigError, type ListenerName } from '../../proxy/start-errors.ts';
import { envOption, portNumber, portOption } from '../options.ts';
import { withObservabilityOptions } from './observability-flags.ts';

interface ProxyFlags extends SidecarFlagOptions {
  /** SIGTERM: how long to keep serving after leaving discovery, before draining (ms). */
  drainDelay: number;
  portFile?: string;
  exitWithParent?: boolean;
  logLevel: string;
}

/** The flag (and its variable) that sets each listener's port. */
const PORT_FLAGS: Readonly<Record<ListenerName, string>> = {
  outbound: '--outbound-port (WEFT_OUTBOUND_PORT)',
  inbound: '--inbound-port (WEFT_INBOUND_PORT)',
  admin: '--admin-port (WEFT_ADMIN_PORT)',
  metrics: '--metrics-port (WEFT_METRICS_PORT)',
  probe: '--probe-port (WEFT_PROBE_PORT)',
};

/** What went wrong and, for a listener, which flag moves it. */
const startFailure = (e: unknown): string =>
  e instanceof ListenError
    ? `${e.message}; choose another port with ${PORT_FLAGS[e.listener]}`
    : e instanceof Error
      ? e.message
      : String(e);

const run = async (flags: ProxyFlags): Promise<void> => {
  const logger = createLogger({
    level: flags.logLevel,
    base: { component: 'proxy', workload: flags.workload },
  });
  const otel = readOtelEnv();
  if (!otel.ok) {
    process.stderr.write(`weft proxy: ${formatIssues(otel.error)}\n`);
    return process.exit(2);
  }
  const sidecar = await startSidecar({ ...flags, otel: otel.value }, logger).catch((e: unknown) => {
    process.stderr.write(`weft proxy: ${startFailure(e)}\n`);
    // 2 = what the caller gave cannot work; 1 = the system refused (README, Exit codes).
    return process.exit(e instanceof SidecarConfigError ? 2 : 1);
  });
  const { proxy } = sidecar;
  const stop = async (): Promise<void> => {
    // Leave first and keep serving while peers learn that this endpoint is gone: closing the
    // listeners at once would refuse the requests peers still send here (measured: ~2-5 % of a
    // rolling restart's requests failed). Then drain what is in flight (bounded by drainMs).
    logger.info({ drainDelayMs: flags.drainDelay }, 'leaving discovery, then draining');
    await sidecar.leave();
    await new Promise((r) => setTimeout(r, flags.drainDelay));
    await sidecar.close();
    process.exit(0);
  };
  // Before the port file: whoever reads it may signal at once, and an unhandled SIGTERM kills.
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  if (flags.exitWithParent) exitWithParent(() => void stop());
  if (flags.portFile) await writePortFile(flags.portFile, { ...proxy.ports, pid: process.pid });
  logger.info({ ports: proxy.ports }, 'sidecar listening');
};

const durationMs = (v: string): number => {
  const d = parseDuration(v);
  if (!d.ok || d.value < 0) throw new InvalidArgumentError('must be a duration such as 500ms or 2s');
  return d.value;
};

export const proxyCommand = (): Command =>
  withObservabilityOptions(new Command('proxy'))
    .description('run a sidecar proxy next to one workload')
    .addOption(
      envOption('--control-plane <host:port>', 'control plane gRPC address (discovery and certificates)'),
    )
    .addOption(
      envOption(
        '--config <file>',
        'static configuration file instead of a control plane (see docs/proxy-config.md)',
      ),
    )
    .addOption(envOption('--workload <name>', 'this workload (pod) name').default('workload'))
    .addOption(envOption('--namespace <ns>', 'this workload namespace').default('default'))
    .addOption(
      envOption(
        '--service <name>',
        'Service this workload serves (registers it as an endpoint in local mode)',
      ),
    )
    .addOption(
      envOption('--service-account <name>', 'service account = identity (default: the workload name)'),
    )
    .addOption(
      envOption('--app-port <port>', 'port of the app in this pod (inbound traffic goes there)').argParser(
        portNumber,
      ),
    )
    .addOption(envOption('--app-host <host>', 'host of the app').default('127.0.0.1'))
    .addOption(
      envOption(
        '--listen-host <host>',
        'bind address of the inbound and metrics listeners (default 0.0.0.0)',
      ),
    )
    .addOption(
      envOption(
        '--token-file <file>',
        'service-account token proving this workload to the CA; turns on mTLS (re-read on each renewal)',
      ),
    )
    .addOption(envOption('--ca-address <host:port>', 'CA gRPC address (default: --control-plane)'))
    .addOption(envOption('--trust-domain <domain>', 'SPIFFE trust domain').default('cluster.local'))
    .addOption(
      envOption(
        '--control-plane-ca <file>',
        'PEM roots to verify the control plane by: TLS for discovery and CSRs (re-read on reconnect; the injector mounts ConfigMap weft-root-ca)',
      ),
    )
    .addOption(
      envOption(
        '--control-plane-identity <spiffe-id>',
        'SPIFFE ID the control plane must present with --control-plane-ca (default spiffe://<trust-domain>/ns/weft-system/sa/weft-control-plane)',
      ),
    )
    .addOption(
      new Option(
        '--inbound-mode <mode>',
        'inbound mTLS mode until the control plane names one (weft.io/mtls-mode); default STRICT with a token',
      )
        .choices(['STRICT', 'PERMISSIVE', 'DISABLE'])
        .env('WEFT_INBOUND_MODE'),
    )
    .addOption(
      portOption('--outbound-port <port>', 'outbound listener (the app sends mesh traffic here)', 15001),
    )
    .addOption(
      portOption('--inbound-port <port>', 'inbound listener (peers send traffic for the app here)', 15006),
    )
    .addOption(portOption('--admin-port <port>', 'admin listener on 127.0.0.1: /ready /live /config', 15000))
    .addOption(portOption('--metrics-port <port>', 'Prometheus /metrics listener', 15090))
    .addOption(
      envOption(
        '--probe-port <port>',
        'probe listener for kubelet: /ready, /live, /app-health/...',
      ).argParser(portNumber),
    )
    .addOption(
      envOption('--app-probes <json>', "the app's original probes, keyed by /app-health/<container>/<probe>"),
    )
    .addOption(envOption('--pod-ip <ip>', 'this pod IP: where peers reach the inbound listener (local mode)'))
    .addOption(
      envOption(
        '--tcp-idle-timeout <duration>',
        'close opaque TCP connections (tunnels, passthrough) with no byte either way for this long; 0 = never (default 1h)',
      ).argParser(durationMs),
    )
    .addOption(
      envOption(
        '--state-dir <dir>',
        'keep the last accepted snapshot and the still-valid certificate here (an in-memory volume) for restarts while the control plane is away',
      ),
    )
    .addOption(
      envOption(
        '--drain-delay <duration>',
        'on SIGTERM, keep serving this long after leaving discovery so peers stop sending here',
      )
        .argParser(durationMs)
        .default(1_000, '1s'),
    )
    .addOption(envOption('--port-file <file>', 'write the bound ports as JSON here once listening'))
    .addOption(envOption('--exit-with-parent', 'exit when the parent process goes away (used by weft dev)'))
    .addOption(envOption('--log-level <level>', 'pino log level').default('info'))
    .action(run);

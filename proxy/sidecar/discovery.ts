// Where a sidecar's snapshots come from, attached once its inbound listener is bound (the
// control plane is told that address): a --config file, or the control plane's stream with the
// runtime's prepare() as the check before each ACK, the last accepted snapshot kept in
// --state-dir and served until the stream delivers.
import type { Logger } from 'pino';
import type { ChannelCredentialsSource } from '../../api/runtime/control-plane-tls.ts';
import type { DeferredSource } from '../discovery/deferred-source.ts';
import { connectDiscovery } from '../discovery/grpc-source.ts';
import { loadLastKnownGood, persistSnapshots, withFallback } from '../discovery/last-known-good.ts';
import { fromFile, type StaticSource } from '../discovery/static-source.ts';
import type { RunningProxy } from '../runtime.ts';
import { SidecarConfigError } from '../start-errors.ts';
import type { SidecarOptions } from './options.ts';

/** --config FILE: a missing or invalid file is the caller's to fix. */
const configFile = (path: string): Promise<StaticSource> =>
  fromFile(path).catch((e: unknown) =>
    Promise.reject(new SidecarConfigError((e as Error).message, { cause: e })),
  );

/** Attaches the snapshot source `o` names to `deferred` (the runtime's source). */
export const attachSource = async (
  o: SidecarOptions,
  deferred: DeferredSource,
  proxy: RunningProxy,
  logger: Logger,
  credentials: ChannelCredentialsSource | undefined,
): Promise<void> => {
  if (o.config) return deferred.attach(await configFile(o.config));
  const dir = o.stateDir;
  const owner = { workload: o.workload, namespace: o.namespace };
  // Read before connecting, so the stream's first snapshot can never be overtaken by an older one.
  const fallback = dir === undefined ? undefined : await loadLastKnownGood(dir, owner, logger);
  const discovery = connectDiscovery({
    address: o.controlPlane as string,
    node: {
      ...owner,
      service: o.service,
      serviceAccount: o.serviceAccount ?? o.workload,
      inbound: { host: o.podIp ?? '127.0.0.1', port: proxy.ports.inbound },
      metrics: { host: o.podIp ?? '127.0.0.1', port: proxy.ports.metrics },
    },
    logger,
    random: o.discovery?.random,
    backoff: o.discovery?.backoff,
    registry: proxy.metricsRegistry,
    validate: proxy.prepare,
    ...(credentials ? { credentials } : {}),
  });
  if (dir !== undefined) persistSnapshots(discovery, dir, logger);
  deferred.attach(withFallback(discovery, fallback));
};

// The control plane on a developer machine (`weft control-plane --config-dir`): startControlPlane
// fed by a folder of Kubernetes-shaped YAML, hosting the CA from a CA directory (created with a
// new root on first start, followed for `weft ca rotate`) and accepting local tokens signed with
// the key in the token key file, as `weft dev` issues them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { formatIssues } from '../../api/model/result.ts';
import { systemClock } from '../../api/runtime/clock.ts';
import { caInit } from '../identity/ca-dir-create.ts';
import { hostIdentity, type HostedIdentity } from '../identity/hosted.ts';
import { createLocalTokenValidator, generateLocalTokenKey } from '../identity/local-token.ts';
import { readOrCreateTokenKey } from '../identity/token-key-file.ts';
import { startControlPlane, type ControlPlaneOptions, type RunningControlPlane } from '../runtime.ts';

export interface LocalModeOptions extends Omit<
  ControlPlaneOptions,
  'configDir' | 'source' | 'extraServices' | 'trustBundle' | 'logger'
> {
  readonly configDir: string;
  readonly logger: Logger;
  readonly trustDomain: string;
  /** CA directory; created with a fresh ECDSA P-256 root if it has no state.json. */
  readonly caDir?: string;
  /** HMAC key of local tokens (created if absent); default <caDir>/token.key. */
  readonly tokenKeyFile?: string;
  /** Workload certificate lifetime. */
  readonly workloadTtlMs?: number;
  /** How often the CA directory is checked for a rotation. */
  readonly caPollMs?: number;
}

/** A CA directory or token key file that cannot be created or read: bad input, not a crash. */
export class LocalModeSetupError extends Error {}

const tokenKey = async (o: LocalModeOptions): Promise<Uint8Array> => {
  const keyFile = o.tokenKeyFile ?? (o.caDir !== undefined ? join(o.caDir, 'token.key') : undefined);
  if (keyFile === undefined) {
    o.logger.warn(
      'no --ca-dir or --token-key-file: the token key lives in memory and no sidecar can get a token',
    );
    return generateLocalTokenKey();
  }
  const read = await readOrCreateTokenKey(keyFile);
  if (!read.ok) throw new LocalModeSetupError(formatIssues(read.error));
  return read.value;
};

const localIdentity = async (o: LocalModeOptions): Promise<HostedIdentity> => {
  const caDir = o.caDir;
  if (caDir !== undefined && !existsSync(join(caDir, 'state.json'))) {
    const created = await caInit(caDir, { trustDomain: o.trustDomain });
    if (!created.ok)
      throw new LocalModeSetupError(`cannot create the CA in ${caDir}:\n${formatIssues(created.error)}`);
    o.logger.info({ caDir }, 'created a new CA root');
  }
  const key = await tokenKey(o);
  return hostIdentity({
    ...(caDir !== undefined ? { caDir } : {}),
    trustDomain: o.trustDomain,
    ...(o.workloadTtlMs !== undefined ? { workloadTtlMs: o.workloadTtlMs } : {}),
    validator: createLocalTokenValidator({ key, clock: systemClock }),
    clock: systemClock,
    logger: o.logger,
    ...(o.caPollMs !== undefined ? { caDirPollMs: o.caPollMs } : {}),
  });
};

export interface RunningLocalControlPlane extends RunningControlPlane {
  /** The hosted CA (trust bundle, authorities). */
  readonly identity: HostedIdentity;
}

export const startLocalControlPlane = async (o: LocalModeOptions): Promise<RunningLocalControlPlane> => {
  const { caDir: _ca, tokenKeyFile: _tk, workloadTtlMs: _ttl, caPollMs: _cp, ...cpOptions } = o;
  const identity = await localIdentity(o);
  const cp = await startControlPlane({
    ...cpOptions,
    extraServices: (server, registry) => identity.register(server, registry),
    trustBundle: () => identity.trustBundle(),
  });
  // A root rotation in the CA directory reaches every sidecar as a new trust bundle.
  identity.follow(() => cp.refresh());
  return {
    ...cp,
    identity,
    close: async () => {
      identity.close();
      await cp.close();
    },
  };
};

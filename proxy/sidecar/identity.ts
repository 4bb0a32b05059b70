// A sidecar's workload certificate: with a token file (--token-file) it asks the CA for one, the
// key made in this process and never sent; with a state directory a still-valid certificate kept
// there serves at once, so a restart while the CA is away can speak mTLS.
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { spiffeId } from '../../api/model/spiffe.ts';
import type { ChannelCredentialsSource } from '../../api/runtime/control-plane-tls.ts';
import { grpcCaSigner } from '../identity/ca-client.ts';
import { identitySaver, loadIdentity } from '../identity/persisted-identity.ts';
import { startIdentity, type SidecarIdentity } from '../identity/start-identity.ts';
import { SidecarConfigError } from '../start-errors.ts';
import type { SidecarOptions } from './options.ts';

/** The workload certificate, when a token is given (the caller awaits its ready()). */
export const workloadIdentity = async (
  o: SidecarOptions,
  logger: Logger,
  credentials: ChannelCredentialsSource | undefined,
): Promise<SidecarIdentity | undefined> => {
  const tokenFile = o.tokenFile;
  if (tokenFile === undefined) {
    logger.warn('no --token-file: no workload certificate, sidecar-to-sidecar traffic is plaintext');
    return undefined;
  }
  const caAddress = o.caAddress ?? o.controlPlane;
  if (caAddress === undefined)
    throw new SidecarConfigError('--token-file needs --ca-address or --control-plane');
  const id = spiffeId({
    trustDomain: o.trustDomain,
    namespace: o.namespace,
    serviceAccount: o.serviceAccount ?? o.workload,
  });
  const dir = o.stateDir;
  const initial = dir === undefined ? undefined : await loadIdentity(dir, id, Date.now(), logger);
  const identity = startIdentity({
    caAddress,
    ...(credentials ? { signer: grpcCaSigner({ address: caAddress, credentials }) } : {}),
    // Read before every request: a projected token is rotated on disk by the kubelet.
    tokenProvider: async () => (await readFile(tokenFile, 'utf8')).trim(),
    identity: id,
    logger,
    ...(initial ? { initial } : {}),
    ...(dir !== undefined ? { persist: identitySaver(dir, logger) } : {}),
  });
  return identity;
};

// How `weft proxy` reaches the control plane's gRPC port: plaintext, or with --control-plane-ca
// (the injector mounts the weft-root-ca ConfigMap there) TLS that trusts that bundle and accepts
// only the control plane's SPIFFE ID. The file is read again for every new channel, so a root
// the control plane publishes after a rotation is picked up without restarting the sidecar.
import type { Logger } from 'pino';
import { spiffeId } from '../../api/model/spiffe.ts';
import {
  controlPlaneCredentialsFromFile,
  type ChannelCredentialsSource,
} from '../../api/runtime/control-plane-tls.ts';

export interface ControlPlaneTrustFlags {
  /** host:port the sidecar dials; a Service name `<svc>.<namespace>.svc` names the namespace. */
  controlPlane?: string;
  controlPlaneCa?: string;
  controlPlaneIdentity?: string;
  trustDomain: string;
}

/**
 * The control plane's SPIFFE ID unless --control-plane-identity says otherwise: service account
 * weft-control-plane (as `weft install` runs it) in the namespace of the Service dialed
 * (weft-control-plane.<namespace>.svc, as the injector sets it), else weft-system.
 */
export const defaultControlPlaneId = (trustDomain: string, controlPlane?: string): string => {
  const namespace = /^[a-z0-9-]+\.([a-z0-9-]+)\.svc(?:[.:]|$)/.exec(controlPlane ?? '')?.[1] ?? 'weft-system';
  return spiffeId({ trustDomain, namespace, serviceAccount: 'weft-control-plane' });
};

export interface ControlPlaneTrust {
  readonly credentials: ChannelCredentialsSource;
  /**
   * For the loggers of discovery and CSRs: a refusal from TLS says only "unable to verify the
   * first certificate", so each line also names the roots file and the identity expected.
   */
  readonly logger: Logger;
}

/** Undefined without --control-plane-ca; throws at start-up when the file has no certificate. */
export const controlPlaneTrust = (
  flags: ControlPlaneTrustFlags,
  logger: Logger,
): ControlPlaneTrust | undefined => {
  const file = flags.controlPlaneCa;
  if (file === undefined) return undefined;
  const id = flags.controlPlaneIdentity ?? defaultControlPlaneId(flags.trustDomain, flags.controlPlane);
  const credentials = controlPlaneCredentialsFromFile(file, id);
  try {
    credentials(); // fail start-up on a missing or empty file, not later on every reconnect
  } catch (e) {
    throw new Error(`--control-plane-ca ${file}: ${(e as Error).message}`, { cause: e });
  }
  const child = logger.child({ controlPlaneCa: file, controlPlaneId: id });
  child.info('control plane over TLS');
  return { credentials, logger: child };
};

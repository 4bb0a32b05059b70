// How a sidecar dials the control plane's gRPC port (discovery and CSRs) when it serves TLS
// (Kubernetes mode with grpcTls): trust the mesh roots it already holds, and accept the server only
// if its certificate names the control plane's SPIFFE ID, whatever address was dialled (a pod IP,
// the Service name or, in tests, 127.0.0.1).
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { uriSans } from '../model/subject-alt-name.ts';

export const controlPlaneCredentials = (
  trustBundlePem: readonly string[],
  controlPlaneId: string,
): grpc.ChannelCredentials =>
  grpc.credentials.createSsl(Buffer.from(trustBundlePem.join('')), null, null, {
    checkServerIdentity: (_host, cert) =>
      uriSans(cert.subjectaltname).includes(controlPlaneId)
        ? undefined
        : new Error(
            `the control plane's certificate names ${uriSans(cert.subjectaltname).join(', ') || 'no SPIFFE ID'}, not ${controlPlaneId}`,
          ),
  });

/** ConfigMap the control plane publishes the trust bundle in, in every meshed namespace. */
export const ROOT_CA_CONFIGMAP = 'weft-root-ca';
/** Its key: the PEM roots, active first. */
export const ROOT_CA_KEY = 'root-cert.pem';

/** Fixed credentials, or a function called again for every new channel (see credentialsFromFile). */
export type ChannelCredentialsSource = grpc.ChannelCredentials | (() => grpc.ChannelCredentials);

export const credentialsOf = (c: ChannelCredentialsSource | undefined): grpc.ChannelCredentials =>
  typeof c === 'function' ? c() : (c ?? grpc.credentials.createInsecure());

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g;

/** The certificates of a PEM bundle (what the weft-root-ca ConfigMap's root-cert.pem holds). */
export const pemCertificates = (text: string): string[] =>
  [...text.matchAll(PEM_CERT)].map((m) => (m[0].endsWith('\n') ? m[0] : `${m[0]}\n`));

/**
 * Credentials that read the trust bundle from `file` each time they are asked for: the kubelet
 * rewrites a mounted ConfigMap when the control plane publishes a rotated root, and the next
 * channel trusts it without a restart. Throws (with the file named) when it holds no certificate.
 */
export const controlPlaneCredentialsFromFile =
  (file: string, controlPlaneId: string): (() => grpc.ChannelCredentials) =>
  () => {
    const roots = pemCertificates(readFileSync(file, 'utf8'));
    if (roots.length === 0)
      throw new Error(`${file}: no PEM certificate in the control plane trust bundle (--control-plane-ca)`);
    return controlPlaneCredentials(roots, controlPlaneId);
  };

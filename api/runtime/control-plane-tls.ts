// How a sidecar dials the control plane's gRPC port (discovery and CSRs) when it serves TLS
// (Kubernetes mode with grpcTls): trust the mesh roots it already holds, and accept the server only
// if its certificate names the control plane's SPIFFE ID, whatever address was dialled (a pod IP,
// the Service name or, in tests, 127.0.0.1).
import type { PeerCertificate } from 'node:tls';
import * as grpc from '@grpc/grpc-js';

/** The URI SANs of a peer certificate, as Node renders subjectaltname ("URI:spiffe://…, DNS:…"). */
const uriSans = (cert: PeerCertificate): string[] =>
  (cert.subjectaltname ?? '')
    .split(', ')
    .filter((s) => s.startsWith('URI:'))
    .map((s) => s.slice(4));

export const controlPlaneCredentials = (
  trustBundlePem: readonly string[],
  controlPlaneId: string,
): grpc.ChannelCredentials =>
  grpc.credentials.createSsl(Buffer.from(trustBundlePem.join('')), null, null, {
    checkServerIdentity: (_host, cert) =>
      uriSans(cert).includes(controlPlaneId)
        ? undefined
        : new Error(
            `the control plane's certificate names ${uriSans(cert).join(', ') || 'no SPIFFE ID'}, not ${controlPlaneId}`,
          ),
  });

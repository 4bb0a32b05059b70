// The sidecar's call to the CA (weft.identity.v1.Certificates/Sign). A new channel per call: calls
// happen hours apart, and a fresh channel does not inherit a failed channel's reconnect back-off.
import * as grpc from '@grpc/grpc-js';
import { credentialsOf, type ChannelCredentialsSource } from '../../api/runtime/control-plane-tls.ts';
import { certificatesService, type SignRequest, type SignResponse } from '../../api/proto/identity.ts';

export interface CaSigner {
  /** Rejects with a grpc ServiceError (`code`, `details`) when the CA refuses or is unreachable. */
  sign(req: SignRequest): Promise<SignResponse>;
}

export interface GrpcCaSignerOptions {
  /** host:port of the control plane's gRPC server. */
  readonly address: string;
  /**
   * Default insecure: acceptable on loopback in local mode only (see docs/identity.md). A
   * function is called for every request (a trust bundle file re-read after root rotation).
   */
  readonly credentials?: ChannelCredentialsSource;
  readonly timeoutMs?: number;
}

export const grpcCaSigner = (o: GrpcCaSignerOptions): CaSigner => ({
  sign: (req) =>
    new Promise<SignResponse>((resolve, reject) => {
      const method = certificatesService().Sign as grpc.MethodDefinition<SignRequest, SignResponse>;
      const client = new grpc.Client(o.address, credentialsOf(o.credentials));
      client.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        req,
        new grpc.Metadata(),
        { deadline: Date.now() + (o.timeoutMs ?? 10_000) },
        (e, res) => {
          client.close();
          if (e || !res) reject(e ?? new Error('empty response from CA'));
          else resolve(res);
        },
      );
    }),
});

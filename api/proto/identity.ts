// Loads api/proto/identity.proto once for both ends (the CA's gRPC service and the sidecar's
// client), with snake_case field names kept as written in the .proto.
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export interface SignRequest {
  readonly csr_pem: string;
  readonly token: string;
}

export interface SignResponse {
  readonly cert_chain_pem: readonly string[];
  readonly trust_bundle_pem: readonly string[];
  /** Epoch ms; a string on the wire decode (int64), a number when we build it. */
  readonly not_after: number | string;
}

const PROTO_PATH = fileURLToPath(new URL('./identity.proto', import.meta.url));

let cached: grpc.ServiceDefinition | undefined;

/** The `weft.identity.v1.Certificates` service definition. */
export const certificatesService = (): grpc.ServiceDefinition => {
  if (cached) return cached;
  const def = protoLoader.loadSync(PROTO_PATH, {
    keepCase: true,
    longs: String,
    defaults: true,
    arrays: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    weft: { identity: { v1: { Certificates: grpc.ServiceClientConstructor } } };
  };
  cached = pkg.weft.identity.v1.Certificates.service;
  return cached;
};

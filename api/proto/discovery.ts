// Loads discovery.proto at run time (no codegen step) and types its messages by hand: the
// proto is small and these interfaces are checked by api/convert at both ends.
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

export const DISCOVERY_PROTOCOL_VERSION = 1;

export interface NodeMessage {
  workload: string;
  namespace: string;
  service: string;
  serviceAccount: string;
  inboundAddress: string;
  protocolVersion: number;
  /** Optional on the wire: absent (an older sidecar) reads as false. */
  acceptsDelta?: boolean;
  /** Optional on the wire: absent reads as false. */
  acceptsGzip?: boolean;
  /** Optional on the wire: absent or empty when the sidecar does not say. */
  metricsAddress?: string;
}
export interface IssueMessage {
  path: string;
  message: string;
}
export interface ErrorDetailMessage {
  message: string;
  issues: IssueMessage[];
}
export interface SnapshotRequestMessage {
  node?: NodeMessage | null;
  versionInfo: string;
  responseNonce: string;
  errorDetail?: ErrorDetailMessage | null;
}
export interface SnapshotResponseMessage {
  version: string;
  nonce: string;
  snapshotJson: Buffer | Uint8Array;
  /** Set when snapshotJson is a delta against that version (older peers leave it empty). */
  baseVersion?: string;
  /** '' (or absent): plain JSON; 'gzip': gzip-encoded. */
  encoding?: string;
}

const PROTO_PATH = fileURLToPath(new URL('./discovery.proto', import.meta.url));

// keepCase false: fields are camelCase in JS. defaults: absent scalars read as ''/0, absent
// messages as null, so both ends see one shape.
const packageDefinition = loadSync(PROTO_PATH, {
  keepCase: false,
  longs: String,
  defaults: true,
  oneofs: true,
});
const loaded = grpc.loadPackageDefinition(packageDefinition) as unknown as {
  weft: { discovery: { v1: { Discovery: grpc.ServiceClientConstructor } } };
};

export const DiscoveryClient = loaded.weft.discovery.v1.Discovery;
export const discoveryService: grpc.ServiceDefinition = DiscoveryClient.service;

export type DiscoveryStream = grpc.ClientDuplexStream<SnapshotRequestMessage, SnapshotResponseMessage>;
export type ServerDiscoveryStream = grpc.ServerDuplexStream<SnapshotRequestMessage, SnapshotResponseMessage>;

export interface DiscoveryClientApi extends grpc.Client {
  StreamSnapshots(options?: grpc.CallOptions): DiscoveryStream;
}

export const newDiscoveryClient = (
  address: string,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ChannelOptions,
): DiscoveryClientApi => new DiscoveryClient(address, credentials, options) as unknown as DiscoveryClientApi;

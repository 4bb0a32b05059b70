// gRPC status codes by name (grpc/doc/statuscodes.md), for configuration that names them and for
// the sidecar's own gRPC answers. OK (0) is left out: nothing in weft may be configured to it.
export const GRPC_STATUS = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

export type GrpcStatusName = keyof typeof GRPC_STATUS;

export const grpcStatusNamed = (name: string): number | undefined =>
  Object.hasOwn(GRPC_STATUS, name) ? GRPC_STATUS[name as GrpcStatusName] : undefined;

// Coded refusals of the CA. The gRPC service maps each code to one status; callers branch on
// `code`, never on the message, which says what is wrong and how to fix it.
import { status } from '@grpc/grpc-js';

export type IdentityErrorCode =
  | 'TOKEN_INVALID' // token missing, forged, expired or for another audience
  | 'IDENTITY_MISMATCH' // CSR asks for another identity (or trust domain) than the token proves
  | 'CSR_MALFORMED' // not a PEM PKCS#10 request, or too large
  | 'CSR_SIGNATURE_INVALID' // proof of possession failed
  | 'CSR_SAN_INVALID' // not exactly one URI SAN with a mesh SPIFFE ID, or DNS/IP/email SANs present
  | 'CSR_KEY_UNSUPPORTED' // key is not ECDSA P-256 or RSA >= 2048
  | 'CA_INTERNAL'; // the CA failed to sign (a bug or a broken CA key)

export interface IdentityFailure {
  readonly code: IdentityErrorCode;
  readonly message: string;
}

export const failure = (code: IdentityErrorCode, message: string): IdentityFailure => ({ code, message });

export const GRPC_STATUS_OF: Readonly<Record<IdentityErrorCode, status>> = {
  TOKEN_INVALID: status.UNAUTHENTICATED,
  IDENTITY_MISMATCH: status.PERMISSION_DENIED,
  CSR_MALFORMED: status.INVALID_ARGUMENT,
  CSR_SIGNATURE_INVALID: status.INVALID_ARGUMENT,
  CSR_SAN_INVALID: status.INVALID_ARGUMENT,
  CSR_KEY_UNSUPPORTED: status.INVALID_ARGUMENT,
  CA_INTERNAL: status.INTERNAL,
};

// Coded refusals of the CA, from the error registry (api/model/errors.ts, docs/errors.md), which
// holds each code's gRPC status. Callers branch on `code`, never on the message, which says what
// is wrong and how to fix it.
import type { IdentityErrorCode } from '../../api/model/errors.ts';

export type { IdentityErrorCode };

export interface IdentityFailure {
  readonly code: IdentityErrorCode;
  readonly message: string;
}

export const failure = (code: IdentityErrorCode, message: string): IdentityFailure => ({ code, message });

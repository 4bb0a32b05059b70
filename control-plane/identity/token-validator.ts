// How the CA learns who is asking: a validator turns a presented service-account token into a
// namespace + service account. Local mode signs its own tokens (local-token.ts); a Kubernetes
// TokenReview validator implements the same interface.
import type { Result } from '../../api/model/result.ts';

export interface TokenSubject {
  readonly namespace: string;
  readonly serviceAccount: string;
}

export interface TokenValidator {
  /** Never throws for a bad token: returns every reason it was refused, with path "token". */
  validate(token: string): Promise<Result<TokenSubject>>;
}

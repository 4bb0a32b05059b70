// The default TokenReview authenticator: tokens a test registers map to service-account users
// (`system:serviceaccount:<ns>:<sa>`) with optional audiences; anything else is not authenticated.
// Tests needing other behaviour replace it with setTokenReviewHandler.
import type { TokenReviewHandler } from './rest-context.ts';
import type { JsonObject } from './types.ts';

export interface ServiceAccountToken {
  readonly namespace: string;
  readonly serviceAccount: string;
  /** Audiences the token was issued for; none means the API server's own (accepted for any). */
  readonly audiences?: readonly string[];
  readonly uid?: string;
}

export class TokenRegistry {
  private readonly tokens = new Map<string, ServiceAccountToken>();

  register(token: string, sa: ServiceAccountToken): void {
    this.tokens.set(token, sa);
  }

  lookup(token: string): ServiceAccountToken | undefined {
    return this.tokens.get(token);
  }

  readonly handler: TokenReviewHandler = ({ token, audiences }): JsonObject => {
    const sa = this.tokens.get(token);
    if (!sa) return { authenticated: false, user: {}, error: 'invalid bearer token' };
    const wanted = audiences ?? [];
    const has = sa.audiences ?? [];
    const common =
      wanted.length === 0 || has.length === 0
        ? [...(wanted.length ? wanted : has)]
        : wanted.filter((a) => has.includes(a));
    if (wanted.length > 0 && has.length > 0 && common.length === 0) {
      return {
        authenticated: false,
        user: {},
        error: `token audiences ${JSON.stringify(has)} is invalid for the target audiences ${JSON.stringify(wanted)}`,
      };
    }
    return {
      authenticated: true,
      user: {
        username: `system:serviceaccount:${sa.namespace}:${sa.serviceAccount}`,
        uid: sa.uid ?? `${sa.namespace}-${sa.serviceAccount}-uid`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${sa.namespace}`, 'system:authenticated'],
      },
      audiences: common,
    };
  };
}

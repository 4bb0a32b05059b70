// TokenValidator for Kubernetes: the sidecar presents its projected service-account token
// (audience "weft"); the API server's TokenReview (authentication.k8s.io/v1) says whether it is
// valid, for our audience, and for which `system:serviceaccount:<ns>:<sa>`. A token of a deleted
// service account or pod is refused by the API server itself (bound tokens).
import type { Logger } from 'pino';
import { err, ok, type Result } from '../../api/model/result.ts';
import type { KubeHttp } from '../sources/kube/kube-http.ts';
import type { TokenSubject, TokenValidator } from './token-validator.ts';

export const KUBE_TOKEN_AUDIENCE = 'weft';
const SA_PREFIX = 'system:serviceaccount:';
const MAX_TOKEN_CHARS = 16_384;

interface TokenReviewStatus {
  readonly authenticated?: boolean;
  readonly user?: { readonly username?: string };
  readonly audiences?: readonly string[];
  readonly error?: string;
}

const refuse = (message: string): Result<never> => err([{ path: 'token', message }]);

/** `system:serviceaccount:<ns>:<sa>` → subject; anything else (a user, a node) is not a workload. */
export const subjectOf = (username: string): TokenSubject | undefined => {
  if (!username.startsWith(SA_PREFIX)) return undefined;
  const [namespace, serviceAccount, ...rest] = username.slice(SA_PREFIX.length).split(':');
  if (!namespace || !serviceAccount || rest.length > 0) return undefined;
  return { namespace, serviceAccount };
};

export const judgeReview = (status: TokenReviewStatus, audience: string): Result<TokenSubject> => {
  if (!status.authenticated)
    return refuse(`the API server did not authenticate the token: ${status.error ?? 'no reason given'}`);
  // An API server that ignores spec.audiences echoes none back; one that honours them must list ours.
  if (status.audiences && status.audiences.length > 0 && !status.audiences.includes(audience))
    return refuse(`token is not for audience "${audience}": project it with audience ${audience}`);
  const username = status.user?.username ?? '';
  const subject = subjectOf(username);
  if (!subject) return refuse(`token belongs to "${username}", not to a service account`);
  return ok(subject);
};

export const tokenReviewValidator = (o: {
  readonly http: KubeHttp;
  readonly audience?: string;
  readonly logger?: Logger;
}): TokenValidator => {
  const audience = o.audience ?? KUBE_TOKEN_AUDIENCE;
  const log = o.logger?.child({ component: 'control-plane.identity.token-review' });
  return {
    validate: async (token) => {
      if (token.length === 0) return refuse('no token presented; send the projected service-account token');
      if (token.length > MAX_TOKEN_CHARS) return refuse('token is too long to be a service-account token');
      try {
        const review = await o.http<{ status?: TokenReviewStatus }>({
          method: 'POST',
          path: '/apis/authentication.k8s.io/v1/tokenreviews',
          body: {
            apiVersion: 'authentication.k8s.io/v1',
            kind: 'TokenReview',
            spec: { token, audiences: [audience] },
          },
        });
        return judgeReview(review.status ?? {}, audience);
      } catch (e) {
        // The token may be fine: say so, so the sidecar retries instead of giving up.
        log?.warn({ err: e }, 'TokenReview request failed');
        return refuse(`could not review the token with the API server (try again): ${(e as Error).message}`);
      }
    },
  };
};

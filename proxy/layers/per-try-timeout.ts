// Per-try timeout (inside the balancer, around the client): one try must produce response
// headers within perTryTimeoutMs or it is aborted with PER_TRY_TIMEOUT, which the retry layer retries.
import { MeshError } from '../stack/errors.ts';
import type { Layer } from '../stack/types.ts';
import { note, type PolicyDeps } from './policy-deps.ts';
import { deadlineLayer } from './timeout.ts';

/**
 * Only headers are timed: once a response is forwarded the retry layer could not retry it any
 * more, so the body stays under the overall request timeout alone.
 */
export const perTryTimeoutLayer = (
  view: { readonly perTryTimeoutMs: number },
  deps: Pick<PolicyDeps, 'clock'>,
): Layer =>
  deadlineLayer(view.perTryTimeoutMs, deps, false, (req, ctx) => {
    note(req, ctx, `timeout:try:${ctx.attempt}:${view.perTryTimeoutMs}ms`);
    const ms = view.perTryTimeoutMs;
    return new MeshError('PER_TRY_TIMEOUT', `try ${ctx.attempt + 1} got no response headers within ${ms} ms`);
  });

// AdmissionReview (admission.k8s.io/v1) in, AdmissionReview with a JSONPatch out: the pure core of
// the webhook. Anything that is not a Pod CREATE is allowed unchanged; a skipped pod is allowed
// without a patch; a pod with bad weft.io/* annotations is denied with every problem listed.
import { podShapeIssue } from './pod-shape.ts';
import { formatIssues } from '../../api/model/result.ts';
import { errorAnswer, type InjectorErrorBody, type InjectorErrorCode } from '../errors.ts';
import { injectPod } from './inject-pod.ts';
import { diffJson } from './json-patch.ts';
import { isJsonObject, type JsonObject } from './json.ts';
import type { PodLike } from './kube-types.ts';
import type { InjectValues } from './values.ts';

export type ReviewOutcome = 'injected' | 'skipped' | 'ignored' | 'denied' | 'invalid';

export interface ReviewAnswer {
  readonly status: number;
  readonly body: JsonObject | InjectorErrorBody;
  readonly outcome: ReviewOutcome;
  /** Why nothing was injected, for logs and metrics (skip reason or "not a pod create"). */
  readonly detail?: string;
}

const invalid = (detail: string): ReviewAnswer => ({
  ...errorAnswer('INJECT_BAD_REVIEW', detail),
  outcome: 'invalid',
});

const respond = (uid: string, response: JsonObject): JsonObject => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  response: { uid, allowed: true, ...response },
});

const isPodCreate = (req: JsonObject): boolean => {
  const kind = isJsonObject(req['kind']) ? req['kind'] : {};
  return kind['group'] === '' && kind['kind'] === 'Pod' && req['operation'] === 'CREATE';
};

export const answerReview = (review: unknown, values: InjectValues): ReviewAnswer => {
  if (
    !isJsonObject(review) ||
    review['apiVersion'] !== 'admission.k8s.io/v1' ||
    review['kind'] !== 'AdmissionReview'
  )
    return invalid(
      'expected {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {…}}',
    );
  const req = review['request'];
  if (!isJsonObject(req) || typeof req['uid'] !== 'string' || req['uid'] === '')
    return invalid('request.uid: expected the request to carry a non-empty uid');
  const uid = req['uid'];
  if (!isPodCreate(req))
    return { status: 200, body: respond(uid, {}), outcome: 'ignored', detail: 'not a pod create' };
  const pod = req['object'];
  if (!isJsonObject(pod)) return invalid('request.object: expected the Pod being created');
  const shape = podShapeIssue(pod);
  if (shape) return invalid(`request.object.${shape}`);
  const r = injectPod(pod as PodLike, values);
  if (!r.ok) {
    const code: InjectorErrorCode = 'INJECT_INVALID_ANNOTATION';
    const message = `${code}: ${formatIssues(r.error).replaceAll('\n', '; ')}`;
    const status = { code: 400, reason: 'BadRequest', message };
    return {
      status: 200,
      body: respond(uid, { allowed: false, status }),
      outcome: 'denied',
      detail: message,
    };
  }
  if (!r.value.report.inject)
    return { status: 200, body: respond(uid, {}), outcome: 'skipped', detail: r.value.report.reason };
  const patch = Buffer.from(JSON.stringify(diffJson(pod, r.value.pod))).toString('base64');
  return { status: 200, body: respond(uid, { patchType: 'JSONPatch', patch }), outcome: 'injected' };
};

// The injector's coded errors: the webhook answers HTTP errors as {code, message}, and a denied
// pod's message starts with its code. Every code is listed in docs/injector.md (a test checks it).
export const INJECTOR_ERRORS = {
  INJECT_BAD_REVIEW: 'the body is not an admission.k8s.io/v1 AdmissionReview with a request',
  INJECT_BODY_TOO_LARGE: 'the AdmissionReview is larger than the webhook accepts',
  INJECT_BAD_CONTENT_TYPE: 'the body is not JSON (content-type application/json)',
  INJECT_INVALID_ANNOTATION: 'a weft.io/* annotation on the pod has a bad value',
  INJECT_NOT_FOUND: 'no such path: the webhook serves POST /inject',
  INJECT_INTERNAL: 'a bug in the injector',
} as const;

export type InjectorErrorCode = keyof typeof INJECTOR_ERRORS;

export interface InjectorErrorBody {
  readonly code: InjectorErrorCode;
  readonly message: string;
}

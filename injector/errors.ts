// The injector's coded errors, from the error registry (api/model/errors.ts, docs/errors.md): the
// webhook answers HTTP errors as {code, message}, and a denied pod's message starts with its code.
import { INJECTOR_ERRORS, type InjectorErrorCode } from '../api/model/errors.ts';

export type { InjectorErrorCode };

export interface InjectorErrorBody {
  readonly code: InjectorErrorCode;
  readonly message: string;
}

/** An HTTP error answer: the registry's status and a {code, message} body. */
export const errorAnswer = (
  code: InjectorErrorCode,
  detail?: string,
): { readonly status: number; readonly body: InjectorErrorBody } => ({
  status: INJECTOR_ERRORS[code].http,
  body: {
    code,
    message: detail ? `${INJECTOR_ERRORS[code].message}: ${detail}` : INJECTOR_ERRORS[code].message,
  },
});

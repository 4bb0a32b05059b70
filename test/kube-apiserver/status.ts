// Errors of the stand-in as the real API server reports them: a metav1.Status body with a reason and
// an HTTP code. Handlers throw ApiError; the router turns it into the response in one place.
import type { JsonObject } from './types.ts';

export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'Gone'
  | 'BadRequest'
  | 'MethodNotAllowed'
  | 'Unauthorized'
  | 'Forbidden'
  | 'UnsupportedMediaType'
  | 'InternalError'
  | 'Expired';

const CODES: Record<StatusReason, number> = {
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Invalid: 422,
  Gone: 410,
  Expired: 410,
  BadRequest: 400,
  MethodNotAllowed: 405,
  Unauthorized: 401,
  Forbidden: 403,
  UnsupportedMediaType: 415,
  InternalError: 500,
};

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
}

export class ApiError extends Error {
  /** A StatusReason, or a reason a webhook returned verbatim. */
  readonly reason: StatusReason | (string & {});
  readonly code: number;
  readonly details: StatusDetails | undefined;
  constructor(reason: StatusReason | (string & {}), message: string, details?: StatusDetails, code?: number) {
    super(message);
    this.name = 'ApiError';
    this.reason = reason;
    this.code = code ?? CODES[reason as StatusReason] ?? 500;
    this.details = details;
  }
}

export const isApiError = (e: unknown): e is ApiError =>
  e instanceof Error && (e as { name?: string }).name === 'ApiError';

export const statusBody = (e: ApiError): JsonObject => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: e.message,
  reason: e.reason,
  ...(e.details ? { details: { ...e.details } } : {}),
  code: e.code,
});

export const successStatus = (details: StatusDetails): JsonObject => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Success',
  details: { ...details },
});

/** `pods "web" not found`, worded as the real server does so log-matching tests stay realistic. */
export const notFound = (resource: string, name: string, group = ''): ApiError =>
  new ApiError('NotFound', `${resource}${group ? '.' + group : ''} "${name}" not found`, {
    name,
    group,
    kind: resource,
  });

export const alreadyExists = (resource: string, name: string, group = ''): ApiError =>
  new ApiError('AlreadyExists', `${resource}${group ? '.' + group : ''} "${name}" already exists`, {
    name,
    group,
    kind: resource,
  });

export const conflict = (resource: string, name: string, group = ''): ApiError =>
  new ApiError(
    'Conflict',
    `Operation cannot be fulfilled on ${resource}${group ? '.' + group : ''} "${name}": ` +
      'the object has been modified; please apply your changes to the latest version and try again',
    { name, group, kind: resource },
  );

export const invalid = (kind: string, name: string, message: string): ApiError =>
  new ApiError('Invalid', `${kind} "${name}" is invalid: ${message}`, { name, kind });

export const badRequest = (message: string): ApiError => new ApiError('BadRequest', message);

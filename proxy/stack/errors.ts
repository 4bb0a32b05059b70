// Typed failures that layers throw; layers/error-response.ts is the only place that turns
// them into HTTP or gRPC responses.
import type { SidecarErrorCode } from '../../api/model/errors.ts';

/** Every code the sidecar answers with: the registry's sidecar part (docs/errors.md). */
export type MeshErrorCode = SidecarErrorCode;

export class MeshError extends Error {
  readonly code: MeshErrorCode;
  /** Short reason for the x-weft-error header. */
  readonly reason: string;
  /** Headers the answer carries besides x-weft-error, such as authz's `x-weft-authz` reason. */
  readonly headers: Readonly<Record<string, string>>;
  constructor(
    code: MeshErrorCode,
    reason: string,
    options?: { cause?: unknown; headers?: Readonly<Record<string, string>> },
  ) {
    super(`${code}: ${reason}`, options);
    this.code = code;
    this.reason = reason;
    this.headers = options?.headers ?? {};
    this.name = 'MeshError';
  }
}

export const isMeshError = (e: unknown): e is MeshError =>
  typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'MeshError';

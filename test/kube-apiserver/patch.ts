// PATCH bodies by content type. Strategic merge patch is treated as a JSON merge patch: the stand-in
// has no per-field patch strategies (merge keys for lists), so lists are replaced whole. That
// difference is documented in docs/testing-kube-standin.md.
import fjp from 'fast-json-patch';
import { ApiError, badRequest } from './status.ts';
import { isJsonObject, type Json } from './types.ts';

export const MERGE_PATCH = 'application/merge-patch+json';
export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';
export const JSON_PATCH = 'application/json-patch+json';
export const APPLY_PATCH = 'application/apply-patch+yaml';

/** RFC 7386: objects merge recursively, null deletes, everything else replaces. */
export const mergePatch = (target: Json | undefined, patch: Json): Json => {
  if (!isJsonObject(patch)) return structuredClone(patch);
  const out: { [k: string]: Json } = isJsonObject(target) ? structuredClone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
};

// fast-json-patch error names for a well-formed patch that does not apply to this document: the
// real server answers 422 Invalid for those and 400 for malformed patches.
const DOES_NOT_APPLY = new Set([
  'TEST_OPERATION_FAILED',
  'OPERATION_PATH_UNRESOLVABLE',
  'OPERATION_PATH_ILLEGAL_ARRAY_INDEX',
]);

/** RFC 6902, validated (unknown ops, missing values and bad paths are rejected, not ignored). */
export const jsonPatch = (doc: Json, ops: Json): Json => {
  if (!Array.isArray(ops)) throw badRequest('json patch must be an array of operations');
  try {
    const res = fjp.applyPatch(structuredClone(doc), ops as unknown as fjp.Operation[], true, true, false);
    return res.newDocument as Json;
  } catch (e) {
    const name = (e as { name?: string }).name ?? '';
    const msg = `the json patch does not apply: ${(e as Error).message.split('\n')[0]}`;
    throw DOES_NOT_APPLY.has(name) ? new ApiError('Invalid', msg) : badRequest(msg);
  }
};

/** Apply a PATCH body of the given content type; unsupported types are a 415 as on the real server. */
export const applyPatchBody = (contentType: string, current: Json, body: Json): Json => {
  const type = contentType.split(';')[0]?.trim() ?? '';
  if (type === MERGE_PATCH || type === STRATEGIC_MERGE_PATCH) return mergePatch(current, body);
  if (type === JSON_PATCH) return jsonPatch(current, body);
  throw new ApiError(
    'UnsupportedMediaType',
    `the body of the request was in an unknown format (${type || 'none'}); accepted media types: ` +
      `${JSON_PATCH}, ${MERGE_PATCH}, ${STRATEGIC_MERGE_PATCH} (server-side apply is not modelled)`,
  );
};

// The Kubernetes envelope shared by every resource schema: apiVersion, kind, metadata.
// metadata is a loose object on purpose: servers and tools (Flagger, Argo Rollouts, kubectl)
// add uid, ownerReferences, managedFields…, and their objects must parse unchanged.
import { z } from 'zod';
import { name, oneOf, wholeNumber } from './fields.ts';
import { MAX_NAMESPACE_CHARS } from './limits.ts';

export const objectMeta = z.looseObject({
  name: name(),
  namespace: name(MAX_NAMESPACE_CHARS).optional(),
  generation: wholeNumber(0).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type ObjectMeta = z.infer<typeof objectMeta>;

/**
 * A strict top-level object for `kind` in any of `apiVersions`, with `body` beside metadata
 * (usually `spec`). `status` is accepted and ignored: exported objects carry it.
 */
export const envelope = <const V extends readonly string[], S extends z.core.$ZodLooseShape>(
  apiVersions: V,
  kind: string,
  body: S,
) =>
  z.strictObject({
    apiVersion: oneOf(apiVersions),
    kind: z.literal(kind),
    metadata: objectMeta,
    status: z.unknown().optional(),
    ...body,
  });

// Canonical JSON (object keys sorted, undefined dropped) and the content hash built on it:
// equal content gives an equal snapshot version whatever order it was assembled in.
import { createHash } from 'node:crypto';

const canonical = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : canonical(v)));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = canonical(v);
  }
  return out;
};

export const stableStringify = (value: unknown): string => JSON.stringify(canonical(value));

/** sha256 of the canonical JSON, first 16 hex digits (64 bits: collisions are not a concern here). */
export const contentHash = (value: unknown): string =>
  createHash('sha256').update(stableStringify(value)).digest('hex').slice(0, 16);

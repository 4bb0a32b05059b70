// Plain JSON shapes for the Kubernetes objects the injector reads and writes. Objects stay as on
// the wire (unknown fields are kept untouched); only the fields the mutation uses are named.
// An object member whose value is `undefined` counts as absent, as JSON.stringify treats it.
export type Json = null | boolean | number | string | readonly Json[] | JsonObject;
export type JsonObject = { readonly [key: string]: Json | undefined };

export const isJsonObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keys of an object whose values are present (not undefined). */
export const presentKeys = (o: JsonObject): string[] => Object.keys(o).filter((k) => o[k] !== undefined);

/** Deep structural equality of two JSON values (key order ignored, as JSON objects are unordered). */
export const jsonEqual = (a: Json | undefined, b: Json | undefined): boolean => {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x: Json, i: number) => jsonEqual(x, b[i] as Json));
  }
  const oa = a as JsonObject;
  const ob = b as JsonObject;
  const ka = presentKeys(oa);
  return ka.length === presentKeys(ob).length && ka.every((k) => jsonEqual(oa[k], ob[k]));
};

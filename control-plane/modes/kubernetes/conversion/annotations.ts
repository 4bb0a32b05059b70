// Helpers of the pure CRD conversions: read an object's version, and park or restore a field an
// older version cannot hold in a metadata annotation (removed again when the field comes back).
export type Obj = Record<string, unknown>;

interface Meta {
  annotations?: Record<string, string>;
  [k: string]: unknown;
}

/** "v1alpha3" of "split.smi-spec.io/v1alpha3" when the group matches. */
export const versionOf = (o: Obj, group: string): string | undefined => {
  const [g, v] = String(o.apiVersion ?? '').split('/');
  return g === group ? v : undefined;
};

export const withAnnotation = (o: Obj, key: string, value: string): Obj => {
  const meta = (o.metadata ?? {}) as Meta;
  return { ...o, metadata: { ...meta, annotations: { ...(meta.annotations ?? {}), [key]: value } } };
};

/** The object without the annotation (and without an emptied annotations map), and its value. */
export const takeAnnotation = (o: Obj, key: string): [Obj, string | undefined] => {
  const meta = (o.metadata ?? {}) as Meta;
  const value = meta.annotations?.[key];
  if (value === undefined) return [o, undefined];
  const { [key]: _gone, ...annotations } = meta.annotations ?? {};
  const { annotations: _old, ...restMeta } = meta;
  const metadata = Object.keys(annotations).length > 0 ? { ...restMeta, annotations } : restMeta;
  return [{ ...o, metadata }, value];
};

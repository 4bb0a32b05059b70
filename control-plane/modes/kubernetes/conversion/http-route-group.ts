// Pure conversion of SMI HTTPRouteGroup between v1alpha1/2 (matches at the top level, headers as
// a list of one-entry maps) and v1alpha3/4 (spec.matches, headers as one map). A header list that
// a map cannot hold exactly (several entries in one item) is parked in an annotation, so round
// trips stay lossless.
import { err, ok, type Result } from '../../../../api/model/result.ts';
import { takeAnnotation, versionOf, withAnnotation, type Obj } from './annotations.ts';

const GROUP = 'specs.smi-spec.io';
const OLD = new Set(['v1alpha1', 'v1alpha2']);
const NEW = new Set(['v1alpha3', 'v1alpha4']);
export const HEADERS_ANNOTATION = 'conversion.weft.io/httproutegroup-headers';

type Match = Record<string, unknown> & { headers?: unknown };
type Form = 'list' | 'map';

const isList = (h: unknown): h is Record<string, unknown>[] => Array.isArray(h);

/** Headers in the version's own form: old versions list one-entry maps, new ones use one map. */
const canonical = (h: unknown, form: Form): boolean =>
  h === undefined ||
  (form === 'list' ? isList(h) && h.every((i) => Object.keys(i).length === 1) : !isList(h));

const reshape = (h: unknown, form: Form): unknown => {
  if (h === undefined) return h;
  if (form === 'map') return isList(h) ? Object.assign({}, ...h) : h;
  return isList(h) ? h : Object.entries(h as Record<string, unknown>).map(([k, v]) => ({ [k]: v }));
};

/**
 * Headers of `matches` reshaped to `form`. Originals not in their version's own form are parked
 * in the annotation; parked originals of an earlier conversion are restored.
 */
const convertMatches = (o: Obj, matches: Match[], from: Form, to: Form): [Obj, Match[]] => {
  const [rest, saved] = takeAnnotation(o, HEADERS_ANNOTATION);
  const parked = saved === undefined ? undefined : (JSON.parse(saved) as unknown[]);
  const converted = matches.map((m, i) => {
    if (parked && parked.length === matches.length && parked[i] !== null) return { ...m, headers: parked[i] };
    return m.headers === undefined ? m : { ...m, headers: reshape(m.headers, to) };
  });
  if (parked || matches.every((m) => canonical(m.headers, from))) return [rest, converted];
  return [
    withAnnotation(rest, HEADERS_ANNOTATION, JSON.stringify(matches.map((m) => m.headers ?? null))),
    converted,
  ];
};

const toNew = (o: Obj): Obj => {
  const { matches } = o as { matches?: Match[] };
  if (matches === undefined) return o;
  const [base, converted] = convertMatches(o, matches, 'list', 'map');
  const { matches: _top, ...rest } = base;
  return { ...rest, spec: { ...((rest.spec ?? {}) as Obj), matches: converted } };
};

const toOld = (o: Obj): Obj => {
  const { matches } = (o.spec ?? {}) as { matches?: Match[] };
  if (matches === undefined) return o;
  const [base, converted] = convertMatches(o, matches, 'map', 'list');
  const { matches: _inSpec, ...spec } = (base.spec ?? {}) as Obj;
  const { spec: _spec, ...rest } = base;
  return { ...rest, ...(Object.keys(spec).length > 0 ? { spec } : {}), matches: converted };
};

export const convertHttpRouteGroup = (o: Obj, desiredApiVersion: string): Result<Obj, string> => {
  const from = versionOf(o, GROUP) ?? '';
  const to = versionOf({ apiVersion: desiredApiVersion }, GROUP) ?? '';
  const known = (v: string): boolean => OLD.has(v) || NEW.has(v);
  if (!known(from) || !known(to))
    return err(`cannot convert ${String(o.apiVersion)} to ${desiredApiVersion}`);
  let out = o;
  if (OLD.has(from) && NEW.has(to)) out = toNew(o);
  else if (NEW.has(from) && OLD.has(to)) out = toOld(o);
  return ok({ ...out, apiVersion: desiredApiVersion });
};

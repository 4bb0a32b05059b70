// The CRD conversion webhook's protocol (apiextensions.k8s.io/v1 ConversionReview): the API server
// posts objects and a desiredAPIVersion to POST /convert; each object goes through the pure
// conversion of its kind. One failure fails the whole review, as the API server expects.
import type { Obj } from './annotations.ts';
import { convertHttpRouteGroup } from './http-route-group.ts';
import { convertTrafficSplit } from './traffic-split.ts';
import type { Result } from '../../../../api/model/result.ts';

type Converter = (o: Obj, desiredApiVersion: string) => Result<Obj, string>;

/** Registry of converted kinds (registered here, not switched on). */
const CONVERTERS: Readonly<Record<string, Converter>> = {
  TrafficSplit: convertTrafficSplit,
  HTTPRouteGroup: convertHttpRouteGroup,
};

interface ConversionRequest {
  readonly uid?: string;
  readonly desiredAPIVersion?: string;
  readonly objects?: readonly Obj[];
}

const convertOne = (o: Obj, desired: string): Result<Obj, string> => {
  if (o.apiVersion === desired) return { ok: true, value: o };
  const convert = CONVERTERS[String(o.kind)];
  if (!convert) return { ok: false, error: `weft does not convert kind ${String(o.kind)}` };
  return convert(o, desired);
};

export const reviewConversion = (body: unknown): Obj => {
  const request = ((body ?? {}) as { request?: ConversionRequest }).request ?? {};
  const desired = request.desiredAPIVersion ?? '';
  const converted: Obj[] = [];
  let failure: string | undefined;
  for (const o of request.objects ?? []) {
    const r = convertOne(o, desired);
    if (!r.ok) {
      const md = (o.metadata ?? {}) as { namespace?: string; name?: string };
      failure = `${String(o.kind)} ${md.namespace ?? ''}/${md.name ?? ''}: ${r.error}`;
      break;
    }
    converted.push(r.value);
  }
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'ConversionReview',
    response: {
      uid: request.uid ?? '',
      ...(failure === undefined
        ? { convertedObjects: converted, result: { status: 'Success' } }
        : { convertedObjects: [], result: { status: 'Failure', message: failure } }),
    },
  };
};

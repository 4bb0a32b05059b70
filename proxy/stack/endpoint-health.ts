// The balancer asks this which endpoints may receive traffic; outlier detection implements it
// (ejections) and learns from each try's outcome. Keys are "address:port".
export type TryOutcome = 'success' | '5xx' | 'gateway-error' | 'local-error';

export interface EndpointHealth {
  isEjected(endpointKey: string): boolean;
  record(endpointKey: string, outcome: TryOutcome): void;
}

type Addressed = { readonly address: string; readonly port: number };

// Endpoint objects come from a snapshot and live as long as it does; several layers key them per
// request, so each gets its key string once instead of a new string (and hash) per use.
const keys = new WeakMap<Addressed, string>();

export const endpointKey = (e: Addressed): string => {
  let k = keys.get(e);
  if (k === undefined) {
    k = `${e.address}:${e.port}`;
    keys.set(e, k);
  }
  return k;
};

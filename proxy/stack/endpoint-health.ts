// The balancer asks this which endpoints may receive traffic; outlier detection implements it
// (ejections) and learns from each try's outcome. Keys are "address:port".
export type TryOutcome = 'success' | '5xx' | 'gateway-error' | 'local-error';

export interface EndpointHealth {
  isEjected(endpointKey: string): boolean;
  record(endpointKey: string, outcome: TryOutcome): void;
}

export const endpointKey = (e: { address: string; port: number }): string => `${e.address}:${e.port}`;

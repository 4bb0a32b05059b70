import { describe, expect, it } from 'vitest';
import { edgeRows, edgeSeriesOfScrapes } from './edge-figures.ts';
import { parsePromText } from './prom-text.ts';

const line = (name: string, labels: Record<string, string>, value: number): string =>
  `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}} ${value}`;

const inbound = (source: string, tls: string, codeClass: string, n: number, direction = 'inbound') =>
  line(
    'weft_requests_total',
    {
      direction,
      source_namespace: source ? 'demo' : '',
      source_workload: source,
      destination_namespace: 'demo',
      destination_workload: 'catalog',
      tls,
      code_class: codeClass,
    },
    n,
  );

describe('edgeRows', () => {
  it('sums a pair over sidecars and codes, and marks mTLS only with a verified caller', () => {
    const a = parsePromText(
      [
        inbound('frontend', 'true', '2xx', 90),
        inbound('frontend', 'true', '5xx', 10),
        inbound('', 'false', '2xx', 7),
        // the caller's own view is not an edge figure: only the destination verified the caller
        inbound('frontend', 'true', '2xx', 1000, 'outbound'),
      ].join('\n'),
    );
    const b = parsePromText(inbound('frontend', 'false', '2xx', 100));
    const rows = edgeRows(edgeSeriesOfScrapes([a, b]));
    expect(rows).toEqual([
      {
        source: null,
        destination: 'demo/catalog',
        requests: 7,
        success: 1,
        p99: null,
        mtls: 'no',
        mtlsRequests: 0,
        plaintextRequests: 7,
      },
      {
        source: 'demo/frontend',
        destination: 'demo/catalog',
        requests: 200,
        success: 0.95,
        p99: null,
        mtls: 'partial',
        mtlsRequests: 100,
        plaintextRequests: 100,
      },
    ]);
  });

  it('takes p99 from the summed histogram buckets', () => {
    const bucket = (le: string, n: number) =>
      line(
        'weft_request_duration_seconds_bucket',
        {
          direction: 'inbound',
          source_namespace: 'demo',
          source_workload: 'frontend',
          destination_namespace: 'demo',
          destination_workload: 'catalog',
          tls: 'true',
          le,
        },
        n,
      );
    const scrape = parsePromText(
      [
        inbound('frontend', 'true', '2xx', 100),
        bucket('0.01', 0),
        bucket('0.1', 100),
        bucket('+Inf', 100),
      ].join('\n'),
    );
    const [row] = edgeRows(edgeSeriesOfScrapes([scrape]));
    expect(row?.mtls).toBe('yes');
    expect(row?.p99).toBeCloseTo(0.01 + 0.09 * 0.99, 6);
  });
});

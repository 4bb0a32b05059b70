// Each size limit: an object at the limit parses, one over it is refused with an issue that
// names the field and the limit.
import { describe, expect, it } from 'vitest';
import type { ConfigIssue } from '../model/result.ts';
import {
  fileTooLarge,
  MAX_BACKENDS,
  MAX_HEADER_MATCHES,
  MAX_MATCHES,
  MAX_NAME_CHARS,
  MAX_NAMESPACE_CHARS,
  MAX_REGEX_CHARS,
  MAX_SLICE_ENDPOINTS,
  MAX_STATUS_CODES,
} from './limits.ts';
import { parseResource } from './resources.ts';

const issuesOf = (obj: unknown): readonly ConfigIssue[] => {
  const r = parseResource(obj, { defaultNamespace: 'demo' });
  return r.ok ? [] : r.error;
};
const times = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
const headers = (n: number) => Object.fromEntries(times(n, (i) => [`x-h${i}`, 'v']));

const service = (name: string, namespace = 'demo') => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec: { ports: [{ port: 80 }] },
});
const split = (backends: number, matches = 0) => ({
  apiVersion: 'split.smi-spec.io/v1alpha4',
  kind: 'TrafficSplit',
  metadata: { name: 'web' },
  spec: {
    service: 'web',
    backends: times(backends, (i) => ({ service: `web-${i}`, weight: 1 })),
    ...(matches > 0 ? { matches: times(matches, (i) => ({ kind: 'HTTPRouteGroup', name: `m${i}` })) } : {}),
  },
});
const policy = (spec: Record<string, unknown>) => ({
  apiVersion: 'policy.weft.io/v1alpha1',
  kind: 'TrafficPolicy',
  metadata: { name: 'web' },
  spec: { targetRef: { kind: 'Service', name: 'web' }, ...spec },
});
const routes = (n: number, match: Record<string, unknown> = {}) =>
  policy({ routes: times(n, (i) => ({ name: `r${i}`, match, timeout: '1s' })) });
const routeGroup = (n: number) => ({
  apiVersion: 'specs.smi-spec.io/v1alpha4',
  kind: 'HTTPRouteGroup',
  metadata: { name: 'ab' },
  spec: { matches: times(n, (i) => ({ name: `m${i}`, pathRegex: '/x' })) },
});
const slice = (n: number) => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'web-1', labels: { 'kubernetes.io/service-name': 'web' } },
  addressType: 'IPv4',
  endpoints: times(n, (i) => ({ addresses: [`10.0.${i >> 8}.${i & 255}`] })),
});

describe('size limits', () => {
  const cases: readonly [string, unknown, unknown, RegExp, string][] = [
    [
      'metadata.name',
      service('a'.repeat(MAX_NAME_CHARS)),
      service('a'.repeat(MAX_NAME_CHARS + 1)),
      /: metadata\.name$/,
      `must be non-empty text of at most 253 characters (got "${'a'.repeat(36)}...): it has 254 characters`,
    ],
    [
      'metadata.namespace',
      service('web', 'n'.repeat(MAX_NAMESPACE_CHARS)),
      service('web', 'n'.repeat(MAX_NAMESPACE_CHARS + 1)),
      /: metadata\.namespace$/,
      'at most 63 characters',
    ],
    [
      'TrafficSplit backends',
      split(MAX_BACKENDS),
      split(MAX_BACKENDS + 1),
      /TrafficSplit demo\/web: spec\.backends$/,
      'must list at most 100 item(s) (got 101)',
    ],
    [
      'TrafficSplit matches',
      split(1, MAX_MATCHES),
      split(1, MAX_MATCHES + 1),
      /: spec\.matches$/,
      'must list at most 100 item(s) (got 101)',
    ],
    [
      'TrafficPolicy routes',
      routes(MAX_MATCHES),
      routes(MAX_MATCHES + 1),
      /TrafficPolicy demo\/web: spec\.routes$/,
      'must list at most 100 item(s) (got 101)',
    ],
    [
      'HTTPRouteGroup matches',
      routeGroup(MAX_MATCHES),
      routeGroup(MAX_MATCHES + 1),
      /HTTPRouteGroup demo\/ab: spec\.matches$/,
      'must list at most 100 item(s) (got 101)',
    ],
    [
      'pathRegex length',
      routes(1, { pathRegex: 'a'.repeat(MAX_REGEX_CHARS) }),
      routes(1, { pathRegex: 'a'.repeat(MAX_REGEX_CHARS + 1) }),
      /: spec\.routes\[0\]\.match\.pathRegex$/,
      'a valid regular expression of at most 1024 characters',
    ],
    [
      'header regex length',
      routes(1, { headers: { 'x-a': 'a'.repeat(MAX_REGEX_CHARS) } }),
      routes(1, { headers: { 'x-a': 'a'.repeat(MAX_REGEX_CHARS + 1) } }),
      /: spec\.routes\[0\]\.match\.headers\.x-a$/,
      'it has 1025 characters',
    ],
    [
      'header matchers',
      routes(1, { headers: headers(MAX_HEADER_MATCHES) }),
      routes(1, { headers: headers(MAX_HEADER_MATCHES + 1) }),
      /: spec\.routes\[0\]\.match\.headers$/,
      'must match at most 32 headers (got 33)',
    ],
    [
      'retriableStatusCodes',
      policy({ retries: { retriableStatusCodes: times(MAX_STATUS_CODES, () => 503) } }),
      policy({ retries: { retriableStatusCodes: times(MAX_STATUS_CODES + 1, () => 503) } }),
      /: spec\.retries\.retriableStatusCodes$/,
      'must list at most 100 item(s) (got 101)',
    ],
    [
      'EndpointSlice endpoints (the Kubernetes limit)',
      slice(MAX_SLICE_ENDPOINTS),
      slice(MAX_SLICE_ENDPOINTS + 1),
      /EndpointSlice demo\/web-1: endpoints$/,
      'must list at most 1000 item(s) (got 1001)',
    ],
  ];

  it.each(cases)('%s', (_, atLimit, over, path, message) => {
    expect(issuesOf(atLimit)).toEqual([]);
    const issues = issuesOf(over);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toMatch(path);
    expect(issues[0]?.message).toContain(message);
  });

  it('a 1 MiB name is refused quickly and not repeated whole in the issue path', () => {
    const t0 = performance.now();
    const issues = issuesOf(service('x'.repeat(1024 * 1024)));
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(issues.map((i) => i.path)).toEqual([`Service demo/${'x'.repeat(40)}…: metadata.name`]);
    expect(issues[0]?.message).toMatch(/at most 253 characters .*: it has 1048576 characters$/);
  });

  it('a 50,000-backend split is one issue, not one per backend', () => {
    expect(issuesOf(split(50_000))).toEqual([
      { path: 'TrafficSplit demo/web: spec.backends', message: 'must list at most 100 item(s) (got 50000)' },
    ]);
  });

  it('fileTooLarge: 1 MiB passes, one byte more does not', () => {
    expect(fileTooLarge(1024 * 1024)).toBeUndefined();
    expect(fileTooLarge(1024 * 1024 + 1)).toBe(
      'is 1048577 bytes: a configuration file may be at most 1048576 bytes (1 MiB); split it into several files',
    );
  });
});

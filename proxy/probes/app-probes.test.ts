import { describe, expect, it } from 'vitest';
import { parseAppProbes } from './app-probes.ts';

describe('parseAppProbes', () => {
  it('reads what the injector writes (docs/injector.md), with Kubernetes defaults', () => {
    const json = JSON.stringify({
      '/app-health/web/readyz': {
        action: {
          path: '/ready',
          port: 8080,
          scheme: 'HTTP',
          httpHeaders: [{ name: 'X-Probe', value: '1' }],
        },
        kind: 'httpGet',
        timeoutSeconds: 2,
      },
      '/app-health/web/livez': { action: { port: 8080 }, kind: 'httpGet' },
      '/app-health/db/livez': { action: { port: 5432 }, kind: 'tcpSocket' },
      '/app-health/api/startupz': { action: { port: 9090, service: 'api' }, kind: 'grpc', timeoutSeconds: 3 },
    });
    const r = parseAppProbes(json, 'WEFT_APP_PROBES');
    expect(r).toEqual({
      ok: true,
      value: {
        '/app-health/web/readyz': {
          kind: 'httpGet',
          port: 8080,
          path: '/ready',
          https: false,
          headers: [['X-Probe', '1']],
          timeoutMs: 2000,
        },
        '/app-health/web/livez': {
          kind: 'httpGet',
          port: 8080,
          path: '/',
          https: false,
          headers: [],
          timeoutMs: 1000,
        },
        '/app-health/db/livez': { kind: 'tcpSocket', port: 5432, timeoutMs: 1000 },
        '/app-health/api/startupz': { kind: 'grpc', port: 9090, service: 'api', timeoutMs: 3000 },
      },
    });
  });

  it('reports every problem with its path', () => {
    const json = JSON.stringify({
      '/app-health/web/readyz': { action: { port: 0 }, kind: 'httpGet' },
      '/health': { action: { port: 80 }, kind: 'tcpSocket' },
      '/app-health/web/livez': { action: { port: 80 }, kind: 'exec' },
    });
    const r = parseAppProbes(json, 'WEFT_APP_PROBES');
    expect(r.ok).toBe(false);
    const paths = r.ok ? [] : r.error.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'WEFT_APP_PROBES: ["/app-health/web/readyz"].action.port',
        'WEFT_APP_PROBES: ["/app-health/web/livez"].kind',
      ]),
    );
    expect(paths.some((p) => p.includes('/health'))).toBe(true);
  });

  it('says so when the variable is not JSON', () => {
    const r = parseAppProbes('{nope', 'WEFT_APP_PROBES');
    expect(r.ok ? '' : r.error[0]?.message).toMatch(/^is not valid JSON/);
  });
});

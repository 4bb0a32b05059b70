import { describe, expect, it } from 'vitest';
import { readControlPlaneEnv } from './env.ts';

describe('readControlPlaneEnv', () => {
  it('applies defaults', () => {
    expect(readControlPlaneEnv({ WEFT_CONFIG_DIR: '/cfg' })).toEqual({
      ok: true,
      value: {
        configDir: '/cfg',
        host: '127.0.0.1',
        grpcPort: 15010,
        adminPort: 15014,
        trustDomain: 'cluster.local',
        clusterDomain: 'cluster.local',
        defaultNamespace: 'default',
        logLevel: 'info',
        sendTimeoutMs: 30_000,
        startupGraceMs: 12_000,
      },
    });
  });

  it('reports every bad variable at once', () => {
    const r = readControlPlaneEnv({
      WEFT_GRPC_PORT: '99999',
      WEFT_ADMIN_PORT: 'x',
      WEFT_LOG_LEVEL: 'loud',
      WEFT_SEND_TIMEOUT: '5',
    });
    expect(r.ok ? [] : r.error.map((i) => i.path)).toEqual([
      'WEFT_LOG_LEVEL',
      'WEFT_CONFIG_DIR',
      'WEFT_GRPC_PORT',
      'WEFT_ADMIN_PORT',
      'WEFT_SEND_TIMEOUT',
    ]);
  });
});

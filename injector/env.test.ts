import { describe, expect, it } from 'vitest';
import { readInjectorEnv } from './env.ts';

const base = { WEFT_TLS_CERT_FILE: '/tls/tls.crt', WEFT_TLS_KEY_FILE: '/tls/tls.key' };

describe('readInjectorEnv', () => {
  it('applies the conventions by default', () => {
    const r = readInjectorEnv(base);
    expect(r.ok && r.value).toMatchObject({ host: '0.0.0.0', port: 15017, logLevel: 'info' });
    expect(r.ok && r.value.values.nativeSidecar).toBe(true);
  });

  it('reads the injection values', () => {
    const r = readInjectorEnv({ ...base, WEFT_IMAGE: 'reg.example/weft:1', WEFT_NATIVE_SIDECAR: 'false' });
    expect(r.ok && r.value.values).toMatchObject({ image: 'reg.example/weft:1', nativeSidecar: false });
  });

  it('reports every bad variable at once', () => {
    const r = readInjectorEnv({
      WEFT_INJECTOR_PORT: '99999',
      WEFT_LOG_LEVEL: 'loud',
      WEFT_CONTROL_PLANE: 'no-port',
      WEFT_NATIVE_SIDECAR: 'sometimes',
    });
    expect(!r.ok && r.error.map((i) => i.path)).toEqual([
      'WEFT_INJECTOR_PORT',
      'WEFT_LOG_LEVEL',
      'WEFT_TLS_CERT_FILE',
      'WEFT_TLS_KEY_FILE',
      'WEFT_CONTROL_PLANE',
      'WEFT_NATIVE_SIDECAR',
    ]);
  });
});

// The weft-root-ca ConfigMap in injected pods: mounted read-only and named by
// WEFT_CONTROL_PLANE_CA when the control plane serves TLS (the default, as `weft install` runs
// it), absent for a plaintext control plane; WEFT_CONTROL_PLANE_TLS parses like the other flags.
import { describe, expect, it } from 'vitest';
import { injectPod } from './inject-pod.ts';
import type { Container, PodLike } from './kube-types.ts';
import { parseValues, withValues } from './values.ts';

const pod: PodLike = {
  metadata: { name: 'web-0', namespace: 'shop' },
  spec: { containers: [{ name: 'app', image: 'app', ports: [{ containerPort: 8080 }] }] },
};

const injected = (controlPlaneTls: boolean) => {
  const r = injectPod(pod, withValues({ controlPlaneTls }));
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  const spec = r.value.pod.spec ?? {};
  const proxy = [...(spec.initContainers ?? []), ...(spec.containers ?? [])].find(
    (c: Container) => c.name === 'weft-proxy',
  ) as unknown as { env: { name: string; value?: string }[]; volumeMounts: { name: string }[] };
  return { proxy, volumes: spec.volumes ?? [] };
};

describe('root CA mount', () => {
  it('mounts weft-root-ca and sets WEFT_CONTROL_PLANE_CA with TLS', () => {
    const { proxy, volumes } = injected(true);
    expect(volumes).toContainEqual({ name: 'weft-root-ca', configMap: { name: 'weft-root-ca' } });
    expect(proxy.volumeMounts).toContainEqual({
      name: 'weft-root-ca',
      mountPath: '/var/run/weft/root-ca',
      readOnly: true,
    });
    expect(proxy.env).toContainEqual({
      name: 'WEFT_CONTROL_PLANE_CA',
      value: '/var/run/weft/root-ca/root-cert.pem',
    });
  });

  it('leaves both out for a plaintext control plane', () => {
    const { proxy, volumes } = injected(false);
    expect(volumes.map((v) => v.name)).not.toContain('weft-root-ca');
    expect(proxy.volumeMounts.map((m) => m.name)).not.toContain('weft-root-ca');
    expect(proxy.env.map((e) => e.name)).not.toContain('WEFT_CONTROL_PLANE_CA');
  });

  it('parses WEFT_CONTROL_PLANE_TLS', () => {
    const off = parseValues({ controlPlaneTls: { value: 'false', name: 'WEFT_CONTROL_PLANE_TLS' } });
    expect(off.ok && off.value.controlPlaneTls).toBe(false);
    const bad = parseValues({ controlPlaneTls: { value: 'yes', name: 'WEFT_CONTROL_PLANE_TLS' } });
    expect(bad.ok ? [] : bad.error.map((i) => i.path)).toEqual(['WEFT_CONTROL_PLANE_TLS']);
  });
});

// Golden files for the mutation (injector/fixtures/pods/<case>.yaml → <case>.injected.yaml), the
// JSONPatch replayed with fast-json-patch, and the skip rules. WEFT_UPDATE_GOLDEN=1 rewrites goldens.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fjp from 'fast-json-patch';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { INJECT_SKIPPED, INJECTED } from './annotations.ts';
import { injectPod } from './inject-pod.ts';
import { diffJson } from './json-patch.ts';
import type { PodLike } from './kube-types.ts';
import { DEFAULT_VALUES, withValues } from './values.ts';
import { injectYaml } from './yaml-inject.ts';

const dir = join(import.meta.dirname, '../fixtures/pods');
const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml') && !f.endsWith('.injected.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''));
const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
const podOf = (name: string): PodLike => parse(read(`${name}.yaml`)) as PodLike;
const inject = (pod: PodLike, values = DEFAULT_VALUES) => {
  const r = injectPod(pod, values);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
};

describe('golden pods', () => {
  it('has the cases the issue asks for', () => {
    expect(cases).toEqual(
      expect.arrayContaining([
        'named-ports',
        'multi-container',
        'init-containers',
        'legacy-sidecar',
        'host-network',
      ]),
    );
  });

  it.each(cases)('%s matches its golden file', (name) => {
    const r = injectYaml(read(`${name}.yaml`), DEFAULT_VALUES, `${name}.yaml`);
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    const golden = join(dir, `${name}.injected.yaml`);
    if (process.env['WEFT_UPDATE_GOLDEN'] === '1' || !existsSync(golden)) writeFileSync(golden, r.value.text);
    expect(r.value.text).toBe(readFileSync(golden, 'utf8'));
  });

  it.each(cases)('%s: the JSONPatch applied to the original gives the injected pod', (name) => {
    const original = podOf(name);
    const { pod } = inject(original);
    const patched = fjp.applyPatch(
      structuredClone(original),
      diffJson(original, pod) as fjp.Operation[],
      true,
      false,
    );
    expect(patched.newDocument).toEqual(pod);
  });
});

describe('pods that are not mutated', () => {
  it.each([
    ['opted-out', 'opted-out'],
    ['opted-out-label', 'opted-out'],
    ['already-injected', 'already-injected'],
    ['host-network', 'host-network'],
  ])('%s is skipped (%s) and unchanged', (name, reason) => {
    const original = podOf(name);
    const out = inject(original);
    expect(out.report).toEqual({ inject: false, reason });
    expect(out.pod).toEqual(original);
  });

  it('a file marks a hostNetwork pod with the skip reason', () => {
    const r = injectPod(podOf('host-network'), DEFAULT_VALUES, { annotateSkip: true });
    expect(r.ok && r.value.pod.metadata?.annotations).toEqual({ [INJECT_SKIPPED]: 'host-network' });
  });

  it('injecting an injected pod changes nothing', () => {
    for (const name of cases) {
      const once = inject(podOf(name)).pod;
      expect(inject(once).pod).toEqual(once);
    }
  });
});

describe('the mutation', () => {
  const injected = inject(podOf('named-ports')).pod;
  const init = injected.spec?.initContainers ?? [];
  const proxy = init[1];
  const env = (n: string) => proxy?.env?.find((e) => e.name === n);

  it('puts weft-init first and the native sidecar second', () => {
    expect(init.map((c) => c.name)).toEqual(['weft-init', 'weft-proxy']);
    expect(proxy?.restartPolicy).toBe('Always');
    expect(injected.metadata?.annotations?.[INJECTED]).toBe('true');
  });

  it('rewrites probes to the probe port and hands the originals (named ports resolved) to the sidecar', () => {
    const app = injected.spec?.containers?.[0];
    expect(app?.readinessProbe).toEqual({
      httpGet: { path: '/app-health/catalog/readyz', port: 15021, scheme: 'HTTP' },
      periodSeconds: 3,
    });
    expect(JSON.parse(env('WEFT_APP_PROBES')?.value ?? '{}')).toEqual({
      '/app-health/catalog/livez': { kind: 'tcpSocket', action: { port: 9901 }, timeoutSeconds: 2 },
      '/app-health/catalog/readyz': {
        kind: 'httpGet',
        action: { path: '/ready', port: 8080, httpHeaders: [{ name: 'X-Probe', value: 'kubelet' }] },
      },
    });
  });

  it('locks the proxy down and gives the init container only what iptables needs', () => {
    expect(proxy?.['securityContext']).toMatchObject({
      runAsUser: 1337,
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(init[0]?.['securityContext']).toMatchObject({
      runAsUser: 0,
      capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
    });
  });

  it('takes identity from the downward API and a projected token with audience weft', () => {
    expect(env('WEFT_SERVICE_ACCOUNT')?.valueFrom).toEqual({
      fieldRef: { fieldPath: 'spec.serviceAccountName' },
    });
    expect(env('WEFT_POD_IP')?.valueFrom).toEqual({ fieldRef: { fieldPath: 'status.podIP' } });
    const volumes = injected.spec?.volumes ?? [];
    expect(JSON.stringify(volumes)).toContain('"audience":"weft"');
    expect(volumes.find((v) => v.name === 'weft-certs')?.['emptyDir']).toMatchObject({ medium: 'Memory' });
    // The sidecar's state dir (last snapshot, still-valid certificate) is that in-memory volume.
    const mounts = proxy?.['volumeMounts'] as readonly { name: string; mountPath: string }[] | undefined;
    const mount = mounts?.find((m) => m.name === 'weft-certs');
    expect(env('WEFT_STATE_DIR')?.value).toBe(mount?.mountPath);
  });

  it('honours values: image, log level, control plane, no probe rewriting', () => {
    const values = withValues({ image: 'reg.example/weft:9', logLevel: 'warn', rewriteProbes: false });
    const pod = inject(podOf('named-ports'), values).pod;
    const p = pod.spec?.initContainers?.[1];
    expect(p?.image).toBe('reg.example/weft:9');
    expect(p?.env?.find((e) => e.name === 'WEFT_LOG_LEVEL')?.value).toBe('warn');
    expect(pod.spec?.containers?.[0]?.readinessProbe?.httpGet?.['port']).toBe('http');
  });

  it('reports every bad annotation with its path', () => {
    const pod: PodLike = {
      metadata: {
        annotations: {
          'weft.io/exclude-outbound-ports': '80,http',
          'weft.io/exclude-outbound-cidrs': '10.0.0.0/33',
          'weft.io/proxy-log-level': 'loud',
          'weft.io/proxy-memory-limit': 'lots',
          'weft.io/native-sidecar': 'maybe',
        },
      },
      spec: { containers: [{ name: 'app' }] },
    };
    const r = injectPod(pod, DEFAULT_VALUES, { pathPrefix: 'spec.template.' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.map((i) => i.path)).toEqual([
      'spec.template.metadata.annotations[weft.io/proxy-memory-limit]',
      'spec.template.metadata.annotations[weft.io/exclude-outbound-ports]',
      'spec.template.metadata.annotations[weft.io/exclude-outbound-cidrs]',
      'spec.template.metadata.annotations[weft.io/proxy-log-level]',
      'spec.template.metadata.annotations[weft.io/native-sidecar]',
    ]);
    expect(r.error[1]?.message).toMatch(/"http" is not a port/);
  });
});

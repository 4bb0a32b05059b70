// weft.io/access-log per workload: the annotation becomes WEFT_ACCESS_LOG (and the sample ratio
// WEFT_ACCESS_LOG_SAMPLE_RATIO) on the proxy container; absent, the env is as before; bad values deny.
import { describe, expect, it } from 'vitest';
import { injectPod } from './inject-pod.ts';
import type { Container, PodLike } from './kube-types.ts';
import { withValues } from './values.ts';

const pod = (annotations: Record<string, string>): PodLike => ({
  metadata: { name: 'web-0', namespace: 'shop', annotations },
  spec: { containers: [{ name: 'app', image: 'app', ports: [{ containerPort: 8080 }] }] },
});

const envOf = (annotations: Record<string, string>) => {
  const r = injectPod(pod(annotations), withValues());
  if (!r.ok) return r.error.map((i) => i.path);
  const spec = r.value.pod.spec ?? {};
  const proxy = [...(spec.initContainers ?? []), ...(spec.containers ?? [])].find(
    (c: Container) => c.name === 'weft-proxy',
  ) as unknown as { env: { name: string; value?: string }[] };
  return proxy.env.filter((e) => e.name.startsWith('WEFT_ACCESS_LOG'));
};

describe('weft.io/access-log', () => {
  it.each([
    [{}, []],
    [{ 'weft.io/access-log': 'false' }, []],
    [{ 'weft.io/access-log': 'true' }, [{ name: 'WEFT_ACCESS_LOG', value: 'true' }]],
    [
      { 'weft.io/access-log': 'true', 'weft.io/access-log-sample-ratio': '0.1' },
      [
        { name: 'WEFT_ACCESS_LOG', value: 'true' },
        { name: 'WEFT_ACCESS_LOG_SAMPLE_RATIO', value: '0.1' },
      ],
    ],
    // the ratio alone does not turn the log on
    [{ 'weft.io/access-log-sample-ratio': '0.5' }, []],
  ])('%j → %j', (annotations, env) => expect(envOf(annotations)).toEqual(env));

  it('denies bad values with their paths', () => {
    expect(envOf({ 'weft.io/access-log': 'yes', 'weft.io/access-log-sample-ratio': '2' })).toEqual([
      'metadata.annotations[weft.io/access-log-sample-ratio]',
      'metadata.annotations[weft.io/access-log]',
    ]);
  });
});

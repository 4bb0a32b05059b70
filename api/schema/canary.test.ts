import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseResource } from './resources.ts';

const canary = (spec: string): string =>
  `apiVersion: policy.weft.io/v1alpha1\nkind: Canary\nmetadata: {name: c, namespace: demo}\nspec:\n${spec}`;
const base = {
  targetRef: '  targetRef: {kind: Service, name: catalog}\n',
  trafficRef: '  trafficRef: {kind: TrafficSplit, name: catalog}\n',
  backends: '  stableBackend: catalog-v1\n  canaryBackend: catalog-v2\n',
  steps: '  steps: [{weight: 5, pause: 10s}, {gate: manual}, {weight: 50}, {weight: 100}]\n',
  analysis:
    '  analysis: {interval: 5s, minRequests: 20, successRateFloor: 99, p99Ceiling: {stableRatio: 1.5}, failedIntervals: 2}\n',
};
const spec = (over: Partial<typeof base> = {}, extra = ''): string =>
  canary(Object.values({ ...base, ...over }).join('') + extra);
const issuesOf = (text: string) => {
  const r = parseResource(parse(text), { defaultNamespace: 'default' });
  return r.ok ? [] : r.error.map((i) => `${i.path}: ${i.message}`);
};

describe('Canary schema', () => {
  it('parses a full spec into milliseconds and numbers', () => {
    const r = parseResource(
      parse(
        spec(
          {},
          '  promote: {weights: [{service: catalog-v1, weight: 0}, {service: catalog-v2, weight: 100}]}\n',
        ),
      ),
      {
        defaultNamespace: 'default',
      },
    );
    expect(r.ok && r.value?.kind === 'Canary' && r.value.spec).toMatchObject({
      trafficRef: { kind: 'TrafficSplit', name: 'catalog' },
      steps: [{ weight: 5, pause: 10_000 }, { gate: 'manual' }, { weight: 50 }, { weight: 100 }],
      analysis: { interval: 5_000, minRequests: 20, successRateFloor: 99, p99Ceiling: { stableRatio: 1.5 } },
    });
  });

  it.each([
    [
      'a step with both weight and gate',
      { steps: '  steps: [{weight: 5, gate: manual}]\n' },
      '',
      'spec.steps[0]',
    ],
    ['weights that fall', { steps: '  steps: [{weight: 50}, {weight: 10}]\n' }, '', 'spec.steps[1].weight'],
    ['a weight over 100', { steps: '  steps: [{weight: 150}]\n' }, '', 'spec.steps[0].weight'],
    [
      'the same backend twice',
      { backends: '  stableBackend: a\n  canaryBackend: a\n' },
      '',
      'spec.canaryBackend',
    ],
    [
      'an unknown traffic kind',
      { trafficRef: '  trafficRef: {kind: Ingress, name: x}\n' },
      '',
      'spec.trafficRef.kind',
    ],
    [
      'a p99 ceiling with both forms',
      { analysis: '  analysis: {interval: 5s, p99Ceiling: {max: 1s, stableRatio: 2}}\n' },
      '',
      'spec.analysis.p99Ceiling',
    ],
    [
      'final weights that do not add up to 100',
      {},
      '  promote: {weights: [{service: catalog-v1, weight: 10}, {service: catalog-v2, weight: 80}]}\n',
      'spec.promote.weights: must add up to 100',
    ],
    [
      'final weights naming another service',
      {},
      '  promote: {weights: [{service: other, weight: 100}]}\n',
      'spec.promote.weights[0].service',
    ],
  ])('refuses %s, naming the field', (_what, over, extra, field) => {
    const issues = issuesOf(spec(over, extra));
    expect(
      issues.some((i) => i.includes(`Canary demo/c: ${field}`)),
      issues.join('\n'),
    ).toBe(true);
  });
});

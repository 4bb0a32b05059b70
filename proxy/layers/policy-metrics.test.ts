import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { policyMetrics } from './policy-metrics.ts';

describe('policy metrics', () => {
  it('exposes the policy counters with bounded labels, bound once per service', async () => {
    const registry = new Registry();
    const pm = policyMetrics(registry);
    expect(policyMetrics(registry)).toBe(pm); // declaring twice on one registry is safe
    const a = pm.forService('demo/a');
    expect(pm.forService('demo/a')).toBe(a);
    a.retry();
    a.retry();
    a.retryBudgetExhausted();
    a.circuitRejected('max_requests');
    a.circuitRejected('max_retries');
    a.circuitRejected('max_requests');
    a.outlierEjected();
    a.faultInjected('demo/chaos', 'abort');
    pm.forService('demo/b').faultInjected('demo/chaos', 'delay');
    const text = await registry.metrics();
    for (const line of [
      'weft_retries_total{service="demo/a"} 2',
      'weft_retry_budget_exhausted_total{service="demo/a"} 1',
      'weft_circuit_breaker_rejections_total{service="demo/a",limit="max_requests"} 2',
      'weft_circuit_breaker_rejections_total{service="demo/a",limit="max_retries"} 1',
      'weft_outlier_ejections_total{service="demo/a"} 1',
      'weft_faults_injected_total{service="demo/a",fault="demo/chaos",kind="abort"} 1',
      'weft_faults_injected_total{service="demo/b",fault="demo/chaos",kind="delay"} 1',
    ]) {
      expect(text).toContain(line);
    }
  });
});

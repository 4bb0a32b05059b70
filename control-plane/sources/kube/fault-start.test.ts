import { describe, expect, it } from 'vitest';
import type { JsonObject } from './kube-http.ts';
import { faultStartPatch, recordedStarts } from './fault-start.ts';

const fault = (
  generation: number,
  status?: Record<string, unknown>,
  kind = 'FaultInjection',
): JsonObject => ({
  apiVersion: 'policy.weft.io/v1alpha1',
  kind,
  metadata: { name: 'chaos', namespace: 'shop', generation },
  spec: {},
  ...(status ? { status } : {}),
});
const T = '2026-01-01T00:00:00.000Z';

describe('recordedStarts', () => {
  it('reads the start of the current generation only', () => {
    expect(recordedStarts([fault(2, { startTime: T, startedGeneration: 2 })])).toEqual(
      new Map([['shop/chaos@2', Date.parse(T)]]),
    );
    expect(recordedStarts([fault(3, { startTime: T, startedGeneration: 2 })]).size).toBe(0); // spec changed since
    expect(recordedStarts([fault(2, { startTime: 'soon', startedGeneration: 2 })]).size).toBe(0);
    expect(recordedStarts([fault(2)]).size).toBe(0);
    expect(recordedStarts([fault(2, { startTime: T, startedGeneration: 2 }, 'TrafficPolicy')]).size).toBe(0);
  });
});

describe('faultStartPatch', () => {
  const timings = new Map([
    ['shop/chaos', { name: 'shop/chaos', startTime: T, endTime: '2026-01-01T00:01:00.000Z' }],
  ]);

  it('records this replica’s timing for a generation not yet recorded', () => {
    expect(faultStartPatch(fault(1), timings)).toEqual({
      startTime: T,
      endTime: '2026-01-01T00:01:00.000Z',
      startedGeneration: 1,
    });
    expect(faultStartPatch(fault(2, { startTime: T, startedGeneration: 1 }), timings)).toMatchObject({
      startedGeneration: 2,
    });
  });

  it('leaves a recorded generation, an untimed fault and other kinds alone', () => {
    expect(faultStartPatch(fault(1, { startTime: 'x', startedGeneration: 1 }), timings)).toBeUndefined();
    expect(faultStartPatch(fault(1), new Map())).toBeUndefined();
    expect(faultStartPatch(fault(1, undefined, 'TrafficPolicy'), timings)).toBeUndefined();
  });
});

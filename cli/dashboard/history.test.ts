import { describe, expect, it } from 'vitest';
import { History } from './history.ts';
import type { DashboardState } from './model.ts';

const state = (at: string, rps: number): DashboardState => ({
  at,
  services: [{ name: 'demo/catalog', rps, success: 1, p99: 0.01 }],
  nodes: ['demo/catalog', 'demo/frontend'],
  edges: [{ from: 'demo/frontend', to: 'demo/catalog', kind: 'call', rps, success: 1, p99: 0.01 }],
  splits: [
    {
      service: 'demo/catalog',
      name: 'demo/catalog',
      backends: [{ service: 'demo/catalog-v2', weight: 10, weightShare: 0.1, observedShare: null }],
    },
  ],
  faults: [],
});

describe('History', () => {
  it('keeps the figures of the last `capacity` states, oldest first', () => {
    const h = new History(3);
    for (let i = 1; i <= 5; i++) h.add(state(`t${i}`, i));
    expect(h.points().map((p) => p.at)).toEqual(['t3', 't4', 't5']);
    expect(h.points()[2]).toEqual({
      at: 't5',
      services: { 'demo/catalog': { rps: 5, success: 1, p99: 0.01 } },
      edges: { 'demo/frontend → demo/catalog': { rps: 5, success: 1, p99: 0.01 } },
      backends: { 'demo/catalog → demo/catalog-v2': { observed: null, weight: 0.1 } },
    });
  });
});

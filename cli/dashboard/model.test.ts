import { describe, expect, it } from 'vitest';
import type { StatRow } from '../mesh-view/figures.ts';
import { dashboardModel } from './model.ts';

const row = (kind: StatRow['kind'], service: string, name: string, rps: number, success = 1): StatRow => ({
  kind,
  service,
  name,
  rps,
  success,
  p50: 0.002,
  p95: 0.004,
  p99: kind === 'backend' && name.endsWith('v2') ? 0.02 : 0.01,
});

describe('dashboardModel', () => {
  const state = dashboardModel({
    at: '2026-01-01T00:00:00Z',
    sources: [
      {
        node: 'loadgen',
        rows: [
          row('service', 'demo/frontend', 'demo/frontend', 100),
          row('backend', 'demo/frontend', 'demo/frontend', 100),
        ],
      },
      {
        node: 'demo/frontend',
        rows: [
          row('service', 'demo/catalog', 'demo/catalog', 100),
          row('backend', 'demo/catalog', 'demo/catalog-v1', 80),
          row('backend', 'demo/catalog', 'demo/catalog-v2', 20, 0.5),
        ],
      },
    ],
    splits: {
      'demo/catalog': {
        name: 'demo/catalog',
        backends: [
          { service: 'demo/catalog-v1', weight: 900 },
          { service: 'demo/catalog-v2', weight: 100 },
        ],
      },
    },
    mesh: [
      row('service', 'demo/catalog', 'demo/catalog', 100),
      row('backend', 'demo/catalog', 'demo/catalog-v1', 80),
    ],
    faults: [],
  });

  it('lists each service with its mesh-wide figures', () => {
    expect(state.services).toEqual([{ name: 'demo/catalog', rps: 100, success: 1, p99: 0.01 }]);
  });

  it('has call edges per caller and split edges per backend, not an edge from a service to itself', () => {
    expect(state.edges.map((e) => `${e.kind} ${e.from} -> ${e.to} ${e.rps}`)).toEqual([
      'call loadgen -> demo/frontend 100',
      'call demo/frontend -> demo/catalog 100',
      'split demo/catalog -> demo/catalog-v1 80',
      'split demo/catalog -> demo/catalog-v2 20',
    ]);
    expect(state.edges.at(-1)).toMatchObject({ success: 0.5, p99: 0.02 });
    expect(state.nodes).toEqual([
      'demo/catalog',
      'demo/catalog-v1',
      'demo/catalog-v2',
      'demo/frontend',
      'loadgen',
    ]);
  });

  it('puts configured weights next to observed shares', () => {
    expect(state.splits[0]?.backends).toEqual([
      { service: 'demo/catalog-v1', weight: 900, weightShare: 0.9, observedShare: 0.8 },
      { service: 'demo/catalog-v2', weight: 100, weightShare: 0.1, observedShare: 0.2 },
    ]);
  });

  it('reports no observed share without traffic', () => {
    const idle = dashboardModel({
      at: '',
      sources: [],
      mesh: [],
      splits: { 'demo/catalog': { name: 'x', backends: [{ service: 'demo/catalog-v1', weight: 1 }] } },
      faults: [],
    });
    expect(idle.splits[0]?.backends[0]?.observedShare).toBeNull();
  });
});

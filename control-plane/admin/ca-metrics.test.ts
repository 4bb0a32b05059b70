import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { caRootExpiryGauge } from './ca-metrics.ts';
import { watchErrorsCounter } from './watch-metrics.ts';
import { generateRoot } from '../identity/root.ts';

/** A root whose notAfter is `iso` (validity 0 from a clock set there). */
const rootExpiring = async (iso: string): Promise<string> =>
  (
    await generateRoot({
      trustDomain: 'cluster.local',
      clock: { wallNow: () => Date.parse(iso) },
      validityMs: 0,
    })
  ).certPem;

const values = async (r: Registry, name: string) =>
  Object.fromEntries(
    ((await r.getSingleMetric(name)?.get())?.values ?? []).map((v) => [
      Object.values(v.labels).join(','),
      v.value,
    ]),
  );

describe('control-plane state metrics', () => {
  it('reports the active root and the earliest other trusted root', async () => {
    const a = await rootExpiring('2030-01-01T00:00:00Z');
    const b = await rootExpiring('2029-01-01T00:00:00Z');
    const c = await rootExpiring('2031-01-01T00:00:00Z');
    let bundle: string[] = [];
    const r = new Registry();
    caRootExpiryGauge(r, () => bundle);
    expect(await values(r, 'weft_control_plane_ca_root_expiry_timestamp_seconds')).toEqual({});
    bundle = [a, c, b, 'not a certificate'];
    expect(await values(r, 'weft_control_plane_ca_root_expiry_timestamp_seconds')).toEqual({
      active: Date.parse('2030-01-01T00:00:00Z') / 1000,
      trusted: Date.parse('2029-01-01T00:00:00Z') / 1000,
    });
  });

  it('mirrors informer restarts as watch errors per resource', async () => {
    let n = 0;
    const r = new Registry();
    watchErrorsCounter(r, () => [
      { kind: { name: 'services' }, restarts: () => n },
      { kind: { name: 'pods' }, restarts: () => 1 },
    ]);
    n = 3;
    expect(await values(r, 'weft_control_plane_watch_errors_total')).toEqual({ services: 3, pods: 1 });
  });
});

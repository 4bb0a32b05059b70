import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../api/runtime/clock.ts';
import type { TlsMaterial } from '../transport/tls-material.ts';
import { stateGauges } from './state-gauges.ts';

const value = async (r: Registry, name: string): Promise<number | undefined> =>
  (await r.getSingleMetric(name)?.get())?.values[0]?.value;

const material = (
  expiresAt: () => number | undefined,
): TlsMaterial & { expiresAt(): number | undefined } => ({
  secureContext: () => {
    throw new Error('unused');
  },
  credentials: () => {
    throw new Error('unused');
  },
  identity: () => 'spiffe://cluster.local/ns/demo/sa/x',
  expiresAt,
});

describe('stateGauges', () => {
  it('records the wall time of the last applied snapshot, 0 before the first', async () => {
    const r = new Registry();
    const clock = new ManualClock();
    const g = stateGauges(r, clock);
    expect(await value(r, 'weft_config_last_update_timestamp_seconds')).toBe(0);
    clock.advance(5_000);
    g.configApplied();
    expect(await value(r, 'weft_config_last_update_timestamp_seconds')).toBe(clock.wallNow() / 1000);
  });

  it('reads the certificate expiry at scrape time, only when the identity knows it', async () => {
    const r = new Registry();
    const cert: { notAfter?: number } = {};
    stateGauges(
      r,
      new ManualClock(),
      material(() => cert.notAfter),
    );
    expect(await value(r, 'weft_identity_certificate_expiry_timestamp_seconds')).toBe(0);
    cert.notAfter = 1_900_000_000_000;
    expect(await value(r, 'weft_identity_certificate_expiry_timestamp_seconds')).toBe(1_900_000_000);
    const plain = new Registry();
    stateGauges(plain, new ManualClock(), {
      secureContext: material(() => 0).secureContext,
      credentials: material(() => 0).credentials,
      identity: () => '',
    });
    expect(plain.getSingleMetric('weft_identity_certificate_expiry_timestamp_seconds')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../api/runtime/clock.ts';
import { createLocalTokenValidator, generateLocalTokenKey, issueLocalToken } from './local-token.ts';

const clock = new ManualClock(1_800_000_000_000);
const key = generateLocalTokenKey();
const validator = createLocalTokenValidator({ key, clock });
const token = (over: Partial<{ key: Uint8Array; ttlMs: number }> = {}) =>
  issueLocalToken({
    key: over.key ?? key,
    namespace: 'demo',
    serviceAccount: 'web',
    clock,
    ttlMs: over.ttlMs ?? 60_000,
  });

const tamper = (t: string, claims: Record<string, unknown>): string => {
  const [p, , sig] = t.split('.');
  return `${p}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
};

describe('local service-account tokens', () => {
  it('proves the namespace and service account it was issued for', async () => {
    expect(await validator.validate(token())).toEqual({
      ok: true,
      value: { namespace: 'demo', serviceAccount: 'web' },
    });
  });

  it('expires at its ttl, measured on the injected clock', async () => {
    const t = token({ ttlMs: 60_000 });
    const later = new ManualClock(clock.wallNow() + 60_000);
    const r = await createLocalTokenValidator({ key, clock: later }).validate(t);
    expect(r.ok ? '' : r.error[0]?.message).toMatch(/expired/);
    expect(
      (await createLocalTokenValidator({ key, clock: new ManualClock(clock.wallNow() + 59_000) }).validate(t))
        .ok,
    ).toBe(true);
  });

  it.each([
    ['another key', () => token({ key: generateLocalTokenKey() }), /signature does not verify/],
    [
      'edited claims',
      () => tamper(token(), { ns: 'demo', sa: 'admin', aud: 'weft', iat: 0, exp: 9e9 }),
      /signature/,
    ],
    ['no token', () => '', /no token/],
    ['a JWT', () => 'eyJhbGciOiJub25lIn0.e30.', /not a weft local token/],
    ['an oversized token', () => `weft1.${'a'.repeat(5000)}.b`, /not a weft local token/],
  ])('refuses %s', async (_n, make, message) => {
    const r = await validator.validate(make());
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.error.map((i) => `${i.path}: ${i.message}`).join()).toMatch(message);
  });
});

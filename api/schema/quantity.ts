// Kubernetes resource quantities ("500m", "1", "2k", "1Ki", "1e3"), as SMI TrafficSplit
// v1alpha1 uses them for weights. Converted to an exact whole number of milli-units.
import type { Result } from '../model/result.ts';

const SUFFIX_MILLI: Readonly<Record<string, bigint>> = {
  m: 1n,
  '': 1_000n,
  k: 1_000n * 1_000n,
  M: 1_000n * 1_000_000n,
  G: 1_000n * 1_000_000_000n,
  T: 1_000n * 1_000_000_000_000n,
  Ki: 1_000n * 1_024n,
  Mi: 1_000n * 1_024n ** 2n,
  Gi: 1_000n * 1_024n ** 3n,
  Ti: 1_000n * 1_024n ** 4n,
};
const QUANTITY = /^([+]?)(\d+)(?:\.(\d+))?(?:([eE])([+-]?\d+)|(m|k|M|G|T|Ki|Mi|Gi|Ti)?)$/;

/** Milli-units of a non-negative quantity; fractions of a milli-unit are rejected. */
export const parseQuantityMilli = (input: string | number): Result<number, string> => {
  const text = String(input).trim();
  const m = QUANTITY.exec(text);
  if (!m) return { ok: false, error: 'is not a Kubernetes quantity such as 1, 500m or 2k' };
  const [, , whole = '0', frac = '', e, exp = '0', suffix = ''] = m;
  // value = digits × 10^(exp - frac.length) × scale, computed exactly with bigint.
  const scale = e ? 1_000n : (SUFFIX_MILLI[suffix] ?? 1n);
  const shift = Number(exp) - frac.length;
  const milli = BigInt(whole + frac) * scale * 10n ** BigInt(Math.max(shift, 0));
  const denominator = 10n ** BigInt(Math.max(-shift, 0));
  if (milli % denominator !== 0n) return { ok: false, error: 'is finer than one milli-unit (1m)' };
  const value = milli / denominator;
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, error: 'is too large' };
  return { ok: true, value: Number(value) };
};

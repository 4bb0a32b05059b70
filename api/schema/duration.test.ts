import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.ts';
import { parseQuantityMilli } from './quantity.ts';

describe('parseDuration', () => {
  it.each([
    ['100ms', 100],
    ['2s', 2_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1_500],
    [' 250ms ', 250],
  ])('%s → %i ms', (text, ms) => expect(parseDuration(text)).toEqual({ ok: true, value: ms }));

  it.each([
    ['', 'is empty'],
    ['5', 'has no unit: write "5ms" or "5s"'],
    ['5 seconds', 'cannot read "5 seconds"'],
    ['2d', 'cannot read "2d"'],
    ['-1s', 'cannot read "-1s"'],
  ])('%j is refused: %s', (text, error) => expect(parseDuration(text)).toEqual({ ok: false, error }));
});

describe('parseQuantityMilli', () => {
  it.each([
    ['500m', 500],
    ['1', 1_000],
    [1, 1_000],
    ['0.5', 500],
    ['2k', 2_000_000],
    ['1Ki', 1_024_000],
    ['1e3', 1_000_000],
    ['0', 0],
  ])('%s → %i milli', (q, milli) => expect(parseQuantityMilli(q)).toEqual({ ok: true, value: milli }));

  it.each(['-1', 'abc', '1.5x', ''])('%j is refused', (q) => expect(parseQuantityMilli(q).ok).toBe(false));
  it('refuses fractions of a milli-unit', () =>
    expect(parseQuantityMilli('0.1m')).toEqual({ ok: false, error: 'is finer than one milli-unit (1m)' }));
});

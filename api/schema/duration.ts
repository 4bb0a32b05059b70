// Parses the duration strings of weft's CRDs ("100ms", "2s", "5m", "1h30m") into milliseconds.
// Only the edges call this; inside, every duration is a number of milliseconds.
import type { Result } from '../model/result.ts';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;

/** Go-style durations: one or more `<number><unit>` parts, units ms, s, m, h. */
export const parseDuration = (text: string): Result<number, string> => {
  const s = text.trim();
  if (s === '') return { ok: false, error: 'is empty' };
  if (/^\d+(\.\d+)?$/.test(s)) return { ok: false, error: `has no unit: write "${s}ms" or "${s}s"` };
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const start = PART.lastIndex;
    const m = PART.exec(s);
    if (!m) return { ok: false, error: `cannot read "${s.slice(start)}"` };
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? Number.NaN);
  }
  return { ok: true, value: Math.round(total) };
};

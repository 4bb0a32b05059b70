// Field schemas shared by the resource schemas. Each one checks a value and, when it is wrong,
// says what is expected and what it got: "must be a whole number ≥ 0 (got -5)".
import { z } from 'zod';
import { parseDuration } from './duration.ts';
import { show } from './issues.ts';
import { MAX_HEADER_MATCHES, MAX_NAME_CHARS, MAX_REGEX_CHARS } from './limits.ts';

type Verdict<T> = { ok: true; value: T } | { ok: false; why?: string };
type Check<T> = (v: unknown) => Verdict<T>;

/** The OpenAPI v3 (Kubernetes structural schema) fragment a field publishes in crds/. */
export type OpenApiFragment = Readonly<Record<string, unknown>>;

export const INT_OR_STRING: OpenApiFragment = { 'x-kubernetes-int-or-string': true };

/**
 * A field whose whole validation is `check`; a failure reads "must be <expected> (got …)".
 * `openapi` describes it for generated CRDs (api/schema/crd.ts), since a transform has no shape.
 */
export const field = <T>(expected: string, check: Check<T>, openapi: OpenApiFragment) =>
  z
    .unknown()
    .transform((v, ctx): T => {
      if (v === undefined) {
        ctx.issues.push({ code: 'custom', message: 'is required', input: v });
        return z.NEVER;
      }
      const r = check(v);
      if (r.ok) return r.value;
      const why = r.why ? `: ${r.why}` : '';
      ctx.issues.push({ code: 'custom', message: `must be ${expected} (got ${show(v)})${why}`, input: v });
      return z.NEVER;
    })
    .meta(openapi);

const range = (min: number, max: number | undefined): string =>
  max === undefined ? `≥ ${min}` : `from ${min} to ${max}`;

export const wholeNumber = (min = 0, max?: number) =>
  field<number>(
    `a whole number ${range(min, max)}`,
    (v) =>
      typeof v === 'number' && Number.isInteger(v) && v >= min && (max === undefined || v <= max)
        ? { ok: true, value: v }
        : { ok: false },
    { type: 'integer', minimum: min, ...(max !== undefined ? { maximum: max } : {}) },
  );

export const decimal = (min: number, max: number) =>
  field<number>(
    `a number ${range(min, max)}`,
    (v) =>
      typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max
        ? { ok: true, value: v }
        : { ok: false },
    { type: 'number', minimum: min, maximum: max },
  );

export const percent = () => decimal(0, 100);
export const port = () => wholeNumber(1, 65_535);

export const text = () =>
  field<string>(
    'non-empty text',
    (v) => (typeof v === 'string' && v.trim() !== '' ? { ok: true, value: v } : { ok: false }),
    { type: 'string', minLength: 1 },
  );

/** A name (of an object, or one that refers to an object): non-empty, at most `max` characters. */
export const name = (max = MAX_NAME_CHARS) =>
  field<string>(
    `non-empty text of at most ${max} characters`,
    (v) => {
      if (typeof v !== 'string' || v.trim() === '') return { ok: false };
      return v.length <= max ? { ok: true, value: v } : { ok: false, why: `it has ${v.length} characters` };
    },
    { type: 'string', minLength: 1, maxLength: max },
  );

export const flag = () =>
  field<boolean>('true or false', (v) => (typeof v === 'boolean' ? { ok: true, value: v } : { ok: false }), {
    type: 'boolean',
  });

/** A duration string ("100ms", "2s", "5m") as milliseconds, at least `minMs`. */
export const duration = (minMs = 1) =>
  field<number>(
    `a duration such as 100ms, 2s or 5m, at least ${minMs}ms`,
    (v) => {
      if (typeof v === 'number') return { ok: false, why: `add a unit, e.g. "${v}ms" or "${v}s"` };
      if (typeof v !== 'string') return { ok: false };
      const r = parseDuration(v);
      if (!r.ok) return { ok: false, why: `the duration ${r.error}` };
      return r.value >= minMs ? { ok: true, value: r.value } : { ok: false };
    },
    { type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$' },
  );

/**
 * A regular expression that compiles (JavaScript syntax, which covers RE2's common subset), at
 * most MAX_REGEX_CHARS long: it is compiled by every sidecar and run on every request.
 */
export const regex = () =>
  field<string>(
    `a valid regular expression of at most ${MAX_REGEX_CHARS} characters`,
    (v) => {
      if (typeof v !== 'string') return { ok: false };
      if (v.length > MAX_REGEX_CHARS) return { ok: false, why: `it has ${v.length} characters` };
      try {
        new RegExp(v);
        return { ok: true, value: v };
      } catch (e) {
        return { ok: false, why: (e as Error).message };
      }
    },
    { type: 'string', maxLength: MAX_REGEX_CHARS },
  );

export const oneOf = <const T extends readonly string[]>(values: T) =>
  field<T[number]>(
    `one of ${values.join(', ')}`,
    (v) =>
      typeof v === 'string' && values.includes(v) ? { ok: true, value: v as T[number] } : { ok: false },
    { type: 'string', enum: values },
  );

/** Lower-case header name → regular expression for its value; at most MAX_HEADER_MATCHES. */
export const headerRegexes = () =>
  z
    .record(z.string(), regex())
    .refine((h) => Object.keys(h).length <= MAX_HEADER_MATCHES, {
      error: (i) =>
        `must match at most ${MAX_HEADER_MATCHES} headers (got ${Object.keys(i.input as object).length})`,
    })
    .meta({ maxProperties: MAX_HEADER_MATCHES });

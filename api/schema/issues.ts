// Turns zod's issues into weft's ConfigIssue: a path a person can find in their YAML
// ("spec.backends[1].weight") and a message that says how to fix it.
import type { z } from 'zod';
import type { ConfigIssue } from '../model/result.ts';

type Key = PropertyKey;

export const formatPath = (path: readonly Key[]): string =>
  path.reduce<string>((acc, k) => {
    if (typeof k === 'number') return `${acc}[${k}]`;
    const key = String(k);
    if (!/^[A-Za-z_$][\w$-]*$/.test(key)) return `${acc}[${JSON.stringify(key)}]`;
    return acc === '' ? key : `${acc}.${key}`;
  }, '');

/** Short, readable rendering of a value for "(got …)". */
export const show = (value: unknown): string => {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    // Too deep for the stack, cyclic or a BigInt (found by control-plane/index/compile.property.test.ts).
    text = Array.isArray(value) ? 'a list' : typeof value;
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
};

const typeNames: Readonly<Record<string, string>> = {
  string: 'text',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  array: 'a list',
};

const messageFor = (issue: z.core.$ZodIssue): string => {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'invalid_type':
      if (input === undefined) return 'is required';
      return `must be ${typeNames[issue.expected] ?? issue.expected} (got ${show(input)})`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => show(v)).join(', ')} (got ${show(input)})`;
    case 'too_small':
      return issue.origin === 'array' ? `must list at least ${String(issue.minimum)} item(s)` : issue.message;
    case 'too_big':
      return issue.origin === 'array'
        ? `must list at most ${String(issue.maximum)} item(s) (got ${Array.isArray(input) ? input.length : '?'})`
        : issue.message;
    case 'invalid_union':
      return `does not match any accepted form (got ${show(input)})`;
    default:
      return issue.message;
  }
};

/**
 * Every zod issue as ConfigIssue under `prefix` (e.g. "dir/split.yaml: TrafficSplit demo/catalog").
 * Parse with `{ reportInput: true }` so messages can quote the offending value.
 */
export const toConfigIssues = (
  error: { readonly issues: readonly z.core.$ZodIssue[] },
  prefix: string,
): ConfigIssue[] =>
  error.issues.flatMap((issue) => {
    const at = (path: readonly Key[]): string => {
      const p = formatPath(path);
      return p === '' ? prefix : `${prefix}: ${p}`;
    };
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => ({
        path: at([...issue.path, key]),
        message: 'unknown field: remove it or correct its spelling',
      }));
    return [{ path: at(issue.path), message: messageFor(issue) }];
  });

// Every injector error code is documented in docs/injector.md, and the docs list no stale code.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INJECTOR_ERRORS } from './errors.ts';

const doc = readFileSync(join(import.meta.dirname, '../docs/injector.md'), 'utf8');
const table = doc.slice(doc.indexOf('## Error codes'));

describe('injector error codes', () => {
  it.each(Object.keys(INJECTOR_ERRORS))('%s has a row in docs/injector.md', (code) => {
    expect(table).toMatch(new RegExp(`^\\| \`${code}\` \\|`, 'm'));
  });

  it('documents no code the injector does not have', () => {
    const documented = [...table.matchAll(/^\| `(INJECT_[A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(INJECTOR_ERRORS).sort());
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MESH_ERROR_CODES } from './errors.ts';

describe('error codes', () => {
  it('are all documented in docs/errors.md', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    for (const code of MESH_ERROR_CODES) expect(doc, code).toContain(`\`${code}\``);
  });
});

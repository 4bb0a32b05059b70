// The error registry and docs/errors.md say the same thing, both ways, and every registered code
// is produced somewhere: a code nothing can answer with must not be documented as if it could.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_REGISTRY, type ErrorEntry } from './errors.ts';
import { GRPC_STATUS } from './grpc-status.ts';

const root = join(import.meta.dirname, '../..');
const doc = readFileSync(join(root, 'docs/errors.md'), 'utf8');

interface Row {
  readonly code: string;
  readonly http: string;
  readonly grpc: string;
  readonly meaning: string;
  readonly fix: string;
}

/** Table rows whose first cell is a code; markdown backticks dropped, as the registry has none. */
const documented: readonly Row[] = [...doc.matchAll(/^\| `([A-Z_]+)` \|(.*)\|$/gm)].map((m) => {
  const [http = '', grpc = '', meaning = '', fix = ''] = (m[2] as string)
    .split(' | ')
    .map((c) => c.trim().replaceAll('`', ''));
  return { code: m[1] as string, http, grpc, meaning, fix };
});

const grpcCell = (e: ErrorEntry): string => {
  if (e.grpc === undefined) return '—';
  const name = Object.entries(GRPC_STATUS).find(([, v]) => v === e.grpc)?.[0];
  return `${name} (${e.grpc})`;
};

describe('the error registry and docs/errors.md', () => {
  it('document exactly the registered codes, each once', () => {
    expect(documented.map((r) => r.code).sort()).toEqual(Object.keys(ERROR_REGISTRY).sort());
  });

  it.each(documented.map((r) => [r.code, r] as const))(
    '%s: the row says what the registry says',
    (code, row) => {
      const e = ERROR_REGISTRY[code as keyof typeof ERROR_REGISTRY];
      expect(row.http.split(/[ ,]/, 1)[0]).toBe(e.http === undefined ? '—' : String(e.http));
      expect(row.grpc).toBe(grpcCell(e));
      expect(row.meaning).toBe(e.message);
      expect(row.fix).toBe(e.fix);
    },
  );
});

const SOURCE_DIRS = ['api', 'cli', 'control-plane', 'injector', 'proxy'];
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return d.name === 'node_modules' ? [] : sources(path);
    return d.name.endsWith('.ts') && !/\.test\.ts$|testkit/.test(d.name) ? [path] : [];
  });

describe('every registered code', () => {
  // Producers name a code as a quoted literal (new MeshError('NO_ROUTE', …), failure('CSR_…', …),
  // errorAnswer('INJECT_…')); the registry itself and tests do not count.
  const code = readFileSync(join(root, 'api/model/errors.ts'), 'utf8');
  const text = SOURCE_DIRS.flatMap((d) => sources(join(root, d)))
    .filter((p) => relative(root, p) !== 'api/model/errors.ts')
    .map((p) => readFileSync(p, 'utf8'))
    .join('\n');

  it.each(Object.keys(ERROR_REGISTRY))('%s is produced by some source file', (c) => {
    expect(code).toContain(`${c}:`);
    expect(
      text,
      `nothing produces ${c}: make something answer with it, or remove it from the registry and docs/errors.md`,
    ).toContain(`'${c}'`);
  });
});

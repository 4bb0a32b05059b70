// Where a sidecar's memory goes, module by module: a child process (import-cost-main.ts) imports
// Node's floor (net, tls, http), then every runtime dependency of package.json, then the weft
// modules `weft proxy` imports (cli/proxy/command.ts's own imports in order), and after each step
// collects garbage and reads RSS and the V8 heap. A step's delta is what it added on top of
// everything before it, so a dependency shared by two modules is charged to the first; each
// dependency is also imported alone in a fresh process. weft's modules are imported from the
// type-stripped tree (one module per file, so each can be charged; no TypeScript stripper in the
// figures). RSS moves in steps of whole pages and arenas: read the heap columns for small modules.
// `node bench/memory/import-cost.ts` prints a table on stderr and JSON on stdout (a bench hook).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SIDECAR_NODE_OPTIONS } from '../../api/runtime/node-flags.ts';
import { PRODUCT_ROOTS, stripTree } from '../../scripts/build-dist.ts';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const FLOOR = ['node:net', 'node:tls', 'node:http'];

/** A module's relative static imports, in source order (`import … from './x.ts'`). */
const relativeImports = (file: string): string[] =>
  [...readFileSync(join(REPO, file), 'utf8').matchAll(/^import\s[^;]*?from\s+'(\.{1,2}\/[^']+)'/gms)].map(
    (m) => join(file, '..', m[1] as string),
  );

interface Step {
  readonly step: string;
  readonly rssKb: number;
  readonly heapUsed: number;
}

const MB = 1024 * 1024;

interface Row {
  readonly step: string;
  readonly rssMb: number;
  readonly heapMb: number;
  readonly rssDeltaMb: number;
  readonly heapDeltaMb: number;
  /** A dependency imported alone on top of the floor, in a fresh process. */
  readonly aloneRssMb?: number;
  readonly aloneHeapMb?: number;
}

const measure = (dir: string, specs: readonly string[]): Step[] =>
  execFileSync(
    process.execPath,
    [
      ...SIDECAR_NODE_OPTIONS.split(' '),
      '--expose-gc',
      join(dir, 'bench/memory/import-cost-main.js'),
      ...specs,
    ],
    { encoding: 'utf8', cwd: REPO, maxBuffer: 16 * MB },
  )
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Step);

const run = (): Row[] => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-import-cost-'));
  try {
    // the child runs as .js too: a .ts entry would load Node's TypeScript stripper into the figures
    stripTree({ root: REPO, out: dir, roots: [...PRODUCT_ROOTS, 'bench/memory'] });
    symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    // a polyfill @peculiar/x509 requires to be loaded first
    const deps = [
      'reflect-metadata',
      ...Object.keys(pkg.dependencies).filter((d) => d !== 'reflect-metadata'),
    ];
    const weft = [...relativeImports('cli/proxy/command.ts'), 'cli/proxy/command.ts'];
    const steps = measure(dir, [
      ...FLOOR,
      ...deps,
      ...[...new Set(weft)].map((f) => pathToFileURL(join(dir, f.replace(/\.ts$/, '.js'))).href),
    ]);
    // Alone: FLOOR + reflect-metadata + the dependency in a fresh process, minus the step before.
    // reflect-metadata (tiny) goes first because the first package from node_modules costs ~10 MB
    // of RSS by itself (Node's module loaders warming up), which would otherwise land on each.
    const alone = new Map(
      deps.slice(1).map((d) => {
        const [before, withDep] = measure(dir, [...FLOOR, deps[0] as string, d]).slice(-2) as [Step, Step];
        return [
          d,
          { rssMb: (withDep.rssKb - before.rssKb) / 1024, heapMb: (withDep.heapUsed - before.heapUsed) / MB },
        ];
      }),
    );
    return steps.map((s, i) => {
      const prev = steps[i - 1] ?? s;
      const a = alone.get(s.step);
      return {
        step: s.step.startsWith('file:') ? s.step.slice(pathToFileURL(dir).href.length + 1) : s.step,
        rssMb: s.rssKb / 1024,
        heapMb: s.heapUsed / MB,
        rssDeltaMb: (s.rssKb - prev.rssKb) / 1024,
        heapDeltaMb: (s.heapUsed - prev.heapUsed) / MB,
        ...(a ? { aloneRssMb: a.rssMb, aloneHeapMb: a.heapMb } : {}),
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

const rows = run();
const f = (n: number | undefined): string => (n === undefined ? '' : n.toFixed(1)).padStart(7);
process.stderr.write(`${'module'.padEnd(42)}    RSS   +RSS   heap  +heap | alone: +RSS  +heap (MB)\n`);
for (const r of rows)
  process.stderr.write(
    `${r.step.padEnd(42)}${f(r.rssMb)}${f(r.rssDeltaMb)}${f(r.heapMb)}${f(r.heapDeltaMb)} |      ${f(r.aloneRssMb)}${f(r.aloneHeapMb)}\n`,
  );
process.stdout.write(`${JSON.stringify({ steps: rows })}\n`);

// `npm run build [-- --out DIR]`: weft as the image ships it. Every TypeScript module is
// type-stripped by Node's own stripper (the one `node file.ts` runs, so the shipped code is the
// code the tests ran, whitespace aside) into a .js file with its relative import specifiers
// rewritten; every other file (protos, CRDs, examples, the addon binary) is copied as it is.
// Why: a sidecar that loads .ts files keeps Node's TypeScript stripper (a WebAssembly module) and
// the sources it stripped in memory; the stripped build starts smaller per sidecar
// (docs/benchmarks.md, "Memory").
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the image runs: the product folders (tests, bench and docs stay out). */
export const PRODUCT_ROOTS = ['bin', 'api', 'cli', 'proxy', 'control-plane', 'injector', 'crds', 'examples'];

/** node-gyp's intermediate files; only build/Release/*.node is needed at run time. */
const SKIPPED_DIRS = new Set(['obj.target', '.deps', 'node_modules']);

/**
 * `'./x.ts'`, `'../a/b.ts'`, `'cli/main.ts'`, `'/app/cli/main.ts'` → `.js`: module specifiers and
 * the paths weft spawns or injects (a string with a slash that ends in .ts). Bare names such as
 * `'x.ts'` are left alone: they are not paths to a module of this tree.
 */
export const rewriteTsPaths = (js: string): string =>
  js.replace(/(['"`])([\w@.\-/]*\/[\w@.-]+)\.ts\1/g, '$1$2.js$1');

/** Tests and the kits only tests import (`*-testkit.ts`) stay out of the image. */
const isTestOnly = (file: string): boolean => file.endsWith('.test.ts') || file.endsWith('-testkit.ts');

const walk = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (!statSync(path).isDirectory()) return [path];
    return SKIPPED_DIRS.has(name) ? [] : walk(path);
  });

const emit = (out: string, text: string): void => {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
};

export interface BuildOptions {
  /** Repository root (where package.json is). */
  readonly root: string;
  readonly out: string;
  /** Folders to build, relative to root (default PRODUCT_ROOTS). */
  readonly roots?: readonly string[];
}

/** Builds into `out` (emptied first); returns how many modules were stripped and files copied. */
export const buildDist = (o: BuildOptions): { modules: number; copied: number } => {
  rmSync(o.out, { recursive: true, force: true });
  let modules = 0;
  let copied = 0;
  for (const top of o.roots ?? PRODUCT_ROOTS)
    for (const file of walk(join(o.root, top))) {
      const rel = relative(o.root, file);
      if (isTestOnly(file)) continue;
      if (file.endsWith('.ts')) {
        const js = stripTypeScriptTypes(readFileSync(file, 'utf8'), { mode: 'strip' });
        emit(join(o.out, rel.replace(/\.ts$/, '.js')), rewriteTsPaths(js));
        modules++;
      } else if (file.endsWith('.js')) {
        emit(join(o.out, rel), rewriteTsPaths(readFileSync(file, 'utf8')));
        copied++;
      } else {
        mkdirSync(dirname(join(o.out, rel)), { recursive: true });
        copyFileSync(file, join(o.out, rel));
        copied++;
      }
    }
  const pkg = JSON.parse(readFileSync(join(o.root, 'package.json'), 'utf8')) as Record<string, unknown>;
  // Same name, version, module type and dependencies; no scripts (nothing to build or install here).
  const { scripts: _scripts, devDependencies: _dev, ...shipped } = pkg;
  writeFileSync(join(o.out, 'package.json'), `${JSON.stringify(shipped, null, 2)}\n`);
  return { modules, copied };
};

const USAGE = `usage: npm run build -- [--out DIR]
  Writes the type-stripped build weft's image runs (default DIR: dist).`;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    process.exit(0);
  }
  const i = args.indexOf('--out');
  const bad = args.filter((a, k) => a !== '--out' && k !== i + 1);
  if (bad.length || (i >= 0 && !args[i + 1])) {
    console.error(
      `weft build: ${bad.length ? `unknown argument ${bad[0]}` : '--out needs a folder'}\n${USAGE}`,
    );
    process.exit(2);
  }
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const out = resolve(i >= 0 ? (args[i + 1] as string) : join(root, 'dist'));
  const r = buildDist({ root, out });
  console.log(`weft build: ${r.modules} modules stripped, ${r.copied} files copied → ${out}`);
}

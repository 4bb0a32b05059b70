// `npm run build [-- --out DIR]`: weft as the image ships it. The CLI (cli/main.ts) is bundled by
// esbuild into cli/main.js plus one chunk per part loaded on demand (cli/main.ts imports only the
// subcommand it runs), with its dependencies, tree-shaken; `weft proxy` is a build of its own
// (cli/proxy.js). Files read at run time (protos, CRDs, examples, the dashboard page, the addon
// binary) are copied to the paths they have in the repository, and each module's
// `import.meta.url` is rewritten to the URL it had there, so `new URL('./discovery.proto',
// import.meta.url)` still finds its file. The example apps `weft dev` spawns are bundles of their
// own beside their sources' paths. Why a bundle: a sidecar that loads one tree-shaken build holds
// less code and fewer modules than one that loads every module of the tree and of node_modules
// (docs/benchmarks.md, "Memory per sidecar").
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';

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

/** One TypeScript module as the .js file `target` (with .ts replaced) beside its siblings. */
const stripModule = (file: string, target: string): void => {
  const js = stripTypeScriptTypes(readFileSync(file, 'utf8'), { mode: 'strip' });
  emit(target.replace(/\.ts$/, '.js'), rewriteTsPaths(js));
};

export interface BuildOptions {
  /** Repository root (where package.json is). */
  readonly root: string;
  readonly out: string;
  /** Folders to build, relative to root (default PRODUCT_ROOTS). */
  readonly roots?: readonly string[];
}

/**
 * The type-stripped tree: every module of `roots` as its own .js file in `out` (emptied first);
 * returns how many modules were stripped and files copied.
 */
export const stripTree = (o: BuildOptions): { modules: number; copied: number } => {
  rmSync(o.out, { recursive: true, force: true });
  let modules = 0;
  let copied = 0;
  for (const top of o.roots ?? PRODUCT_ROOTS)
    for (const file of walk(join(o.root, top))) {
      const rel = relative(o.root, file);
      if (isTestOnly(file)) continue;
      if (file.endsWith('.ts')) {
        stripModule(file, join(o.out, rel));
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
  writeShippedPackageJson(o.root, o.out);
  return { modules, copied };
};

/** Same name, version, module type and dependencies; no scripts (nothing to build or install here). */
const writeShippedPackageJson = (root: string, out: string): void => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  const { scripts: _scripts, devDependencies: _dev, ...shipped } = pkg;
  writeFileSync(join(out, 'package.json'), `${JSON.stringify(shipped, null, 2)}\n`);
};

/** Where the bundle's JavaScript goes (entries and chunks side by side), relative to `out`. */
export const BUNDLE_DIR = 'cli';

/** The CLI; each subcommand becomes a chunk it imports when that subcommand runs. */
export const CLI_ENTRY = 'cli/main.ts';

/**
 * `weft proxy` is bundled on its own (cli/proxy.js and its chunks): esbuild tree-shakes once per
 * build, so a library both the sidecar and the control plane use (zod's core and its locales)
 * would carry what either needs into the chunk the sidecar loads.
 */
export const SIDECAR_ENTRY = 'cli/proxy/command.ts';

/** The example apps `weft dev` spawns as processes of their own, each shipped as its own bundle. */
const SPAWNED_ROOTS = ['examples'];

/**
 * CommonJS dependencies call `require`, which an ES module has not; every output file gets one
 * (and `__filename`/`__dirname` of that file) before its code.
 */
const BANNER = [
  "import { createRequire as __weftCreateRequire } from 'node:module';",
  'const require = __weftCreateRequire(import.meta.url);',
  'const __filename = new URL(import.meta.url).pathname;',
  "const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));",
].join('\n');

const posix = (p: string): string => p.split(sep).join('/');

/**
 * A weft module's `import.meta.url` / `import.meta.dirname` as they were before bundling: the code
 * lands in a file of BUNDLE_DIR, so each is resolved from there to the module's own path in `out`.
 */
export const keepModuleUrl = (source: string, module: string, bundleDir = BUNDLE_DIR): string => {
  const fromBundle = posix(relative(bundleDir, module.replace(/\.ts$/, '.js')));
  const dir = posix(relative(bundleDir, dirname(module)));
  return source
    .replace(/import\.meta\.url/g, `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`)
    .replace(/import\.meta\.dirname/g, `(import.meta.dirname + ${JSON.stringify(dir ? `/${dir}` : '')})`);
};

const weftModules = (root: string, bundleDir: string): Plugin => ({
  name: 'weft-module-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const module = posix(relative(root, args.path));
      if (module.startsWith('..') || module.includes('node_modules/')) return undefined;
      const text = keepModuleUrl(readFileSync(args.path, 'utf8'), module, bundleDir);
      return { contents: rewriteTsPaths(text), loader: 'ts' };
    });
  },
});

/** The sidecar's own bundle, `BUNDLE_DIR/proxy.js`, which cli/main.ts imports by that path. */
const SIDECAR_OUTPUT = 'proxy';

/** cli/main.ts's `import()` of SIDECAR_ENTRY loads the sidecar's own bundle. */
const sidecarApart = (root: string): Plugin => {
  const specifier = `./${posix(relative(dirname(CLI_ENTRY), SIDECAR_ENTRY)).replace(/\.ts$/, '')}`;
  const filter = new RegExp(`^${specifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\.(ts|js)$`);
  return {
    name: 'weft-sidecar-apart',
    setup(b) {
      b.onResolve({ filter }, (args) =>
        args.importer === join(root, CLI_ENTRY)
          ? { path: `./${SIDECAR_OUTPUT}.js`, external: true }
          : undefined,
      );
    },
  };
};

const merge = (a: Metafile, b: Metafile): Metafile => ({
  inputs: { ...a.inputs, ...b.inputs },
  outputs: { ...a.outputs, ...b.outputs },
});

/**
 * Bundles the CLI and, apart, the sidecar (with `sidecarEntries`, more entries that run a sidecar
 * such as the bench's launcher) into `out`/BUNDLE_DIR; returns both builds' metafiles merged.
 */
export const bundle = async (
  root: string,
  out: string,
  sidecarEntries: Readonly<Record<string, string>> = {},
): Promise<Metafile> => {
  const once = async (
    entries: Readonly<Record<string, string>>,
    chunkNames: string,
    plugins: readonly Plugin[],
    bundleDir = BUNDLE_DIR,
  ): Promise<Metafile> =>
    (
      await build({
        absWorkingDir: root,
        entryPoints: Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, join(root, v)])),
        outdir: join(out, bundleDir),
        bundle: true,
        splitting: true,
        chunkNames,
        format: 'esm',
        platform: 'node',
        target: 'node24',
        banner: { js: BANNER },
        // V8 keeps every loaded script's source text in the heap: no whitespace or dead syntax
        // saves ~2 MB per sidecar (names are kept, so stack traces still name functions; for file
        // and line, run with NODE_OPTIONS=--enable-source-maps, which reads the linked .map files)
        minifyWhitespace: true,
        minifySyntax: true,
        sourcemap: 'linked',
        plugins: [...plugins, weftModules(root, bundleDir)],
        metafile: true,
        logLevel: 'warning',
      })
    ).metafile;
  const cli = await once({ main: CLI_ENTRY }, '[name]-[hash]', [sidecarApart(root)]);
  const sidecar = await once(
    { [SIDECAR_OUTPUT]: SIDECAR_ENTRY, ...sidecarEntries },
    `${SIDECAR_OUTPUT}-[name]-[hash]`,
    [],
  );
  // each example app `weft dev` spawns is a bundle of its own, where the source was
  let all = merge(cli, sidecar);
  for (const top of SPAWNED_ROOTS)
    for (const file of walk(join(root, top)).filter((f) => f.endsWith('.ts') && !isTestOnly(f))) {
      const rel = posix(relative(root, file));
      const name = rel.slice(rel.lastIndexOf('/') + 1).replace(/\.ts$/, '');
      all = merge(all, await once({ [name]: rel }, `${name}-[name]-[hash]`, [], dirname(rel)));
    }
  return all;
};

/** Copies what is read at run time (every file of `roots` that is not a TypeScript module). */
const copyRuntimeFiles = (root: string, out: string, roots: readonly string[]): number => {
  let copied = 0;
  for (const top of roots)
    for (const file of walk(join(root, top))) {
      if (file.endsWith('.ts')) continue;
      const target = join(out, relative(root, file));
      // plain .js (bin/weft.js, the dashboard's page script) may name a module path as .ts
      if (file.endsWith('.js')) emit(target, rewriteTsPaths(readFileSync(file, 'utf8')));
      else {
        mkdirSync(dirname(target), { recursive: true });
        copyFileSync(file, target);
      }
      copied++;
    }
  return copied;
};

export interface DistOptions {
  readonly root: string;
  readonly out: string;
  /** More entries bundled with the sidecar (the bench's sidecar launcher). */
  readonly sidecarEntries?: Readonly<Record<string, string>>;
}

/** Builds the image's form into `out` (emptied first). */
export const buildDist = async (
  o: DistOptions,
): Promise<{ outputs: number; copied: number; metafile: Metafile }> => {
  rmSync(o.out, { recursive: true, force: true });
  const metafile = await bundle(o.root, o.out, o.sidecarEntries);
  const copied = copyRuntimeFiles(o.root, o.out, PRODUCT_ROOTS);
  writeShippedPackageJson(o.root, o.out);
  return { outputs: Object.keys(metafile.outputs).length, copied, metafile };
};

const USAGE = `usage: npm run build -- [--out DIR]
  Writes the bundle weft's image runs (default DIR: dist).`;

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
  const r = await buildDist({ root, out });
  console.log(`weft build: ${r.outputs} bundle files, ${r.copied} files copied → ${out}`);
}

// The shipped form: the type-stripped build must hold no TypeScript, point every path it spawns
// or imports at .js, and run a real sidecar (`weft proxy --config`) that forwards a request.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startH1Echo, type App } from '../test/helpers/apps.ts';
import { h1Call } from '../test/helpers/http-clients.ts';
import { stopAll, weftOnce } from '../test/mtls/processes.ts';
import { staticSidecar } from '../test/reliability/harness.ts';
import { DEFAULT_VALUES } from '../injector/inject/values.ts';
import { buildDist, PRODUCT_ROOTS, rewriteTsPaths } from './build-dist.ts';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));

const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return n === 'node_modules' ? [] : statSync(p).isDirectory() ? files(p) : [p];
  });

describe('rewriteTsPaths', () => {
  it('rewrites relative, rooted and absolute module paths, and leaves bare names alone', () => {
    const src = [
      "import { a } from './a.ts';",
      "export * from '../x/b.ts';",
      'const m = await import("./lazy.ts");',
      "const cli = join(root, 'cli/main.ts');",
      "const cmd = ['node', '/app/cli/main.ts'];",
      "const label = 'config.ts';",
      "const url = 'https://example.test/x.tsx';",
    ].join('\n');
    expect(rewriteTsPaths(src).split('\n')).toEqual([
      "import { a } from './a.js';",
      "export * from '../x/b.js';",
      'const m = await import("./lazy.js");',
      "const cli = join(root, 'cli/main.js');",
      "const cmd = ['node', '/app/cli/main.js'];",
      "const label = 'config.ts';",
      "const url = 'https://example.test/x.tsx';",
    ]);
  });
});

describe('npm run build (the image form)', () => {
  let out: string;
  let app: App;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'weft-dist-'));
    buildDist({ root, out });
    // the image installs dependencies next to the build; here the repo's stand in
    symlinkSync(join(root, 'node_modules'), join(out, 'node_modules'));
    app = await startH1Echo('app');
  });

  afterAll(async () => {
    await stopAll();
    await app?.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('holds no TypeScript, no test and no test kit, and every module it imports exists', () => {
    const all = files(out);
    expect(all.filter((f) => f.endsWith('.ts'))).toEqual([]);
    expect(all.filter((f) => /\.test\.js$|testkit/.test(f))).toEqual([]);
    expect(existsSync(join(out, 'cli/main.js'))).toBe(true);
    expect(existsSync(join(out, 'crds'))).toBe(true);
    const missing: string[] = [];
    for (const f of all.filter((x) => x.endsWith('.js')))
      for (const m of readFileSync(f, 'utf8').matchAll(/from\s+['"](\.{1,2}\/[^'"]+)['"]/g))
        if (!existsSync(resolve(f, '..', m[1] as string))) missing.push(`${f}: ${m[1]}`);
    expect(missing).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(out, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.type).toBe('module');
    expect(pkg.scripts).toBeUndefined();
  });

  // No container engine runs here, so the Dockerfile is checked against the build it copies.
  it('matches the Dockerfile: every product folder copied, entrypoint and injected command in the build', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    for (const dir of [...PRODUCT_ROOTS, 'scripts'])
      expect(dockerfile, `COPY ${dir} in the build stage`).toMatch(
        new RegExp(`^COPY ${dir} \\./${dir}$`, 'm'),
      );
    const entry = /^ENTRYPOINT \["node", "\/app\/([^"]+)"\]/m.exec(dockerfile)?.[1];
    expect(entry).toBe('cli/main.js');
    expect(existsSync(join(out, entry as string))).toBe(true);
    const [runtime, script] = DEFAULT_VALUES.cliCommand;
    expect(runtime).toBe('node');
    expect(script?.startsWith('/app/')).toBe(true);
    expect(existsSync(join(out, (script as string).slice('/app/'.length)))).toBe(true);
    expect(dockerfile).toMatch(/^USER 1337:1337$/m);
  });

  it('runs the CLI and a static sidecar that forwards a request', async () => {
    const cli = join(out, 'cli/main.js');
    const help = await weftOnce(['proxy', '--help'], cli);
    expect(help.code).toBe(0);
    expect(help.output).toContain('--config');
    const dir = mkdtempSync(join(tmpdir(), 'weft-dist-run-'));
    try {
      const sidecar = await staticSidecar(dir, 'client', { services: { catalog: { port: app.port } }, cli });
      const reply = await h1Call(sidecar.ports.outbound, { authority: 'catalog', path: '/built' });
      expect(reply.status).toBe(200);
      expect(reply.headers['x-echo-path']).toBe('/built');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

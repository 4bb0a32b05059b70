// The shipped form: the bundle must hold no TypeScript, carry its dependencies (no node_modules
// beside it), find every file it reads at run time, keep the sidecar's import graph free of the
// control plane, the injector and the Kubernetes client, and run real processes: a static sidecar,
// and a control plane with two mTLS sidecars that get certificates from its CA and carry a request.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startH1Echo, type App } from '../test/helpers/apps.ts';
import { h1Call } from '../test/helpers/http-clients.ts';
import { stopAll, weftOnce } from '../test/mtls/processes.ts';
import { endpointsAre, ProcessMesh, serviceYaml, staticSidecar } from '../test/reliability/harness.ts';
import { DEFAULT_VALUES } from '../injector/inject/values.ts';
import {
  BUNDLE_DIR,
  buildDist,
  keepModuleUrl,
  PRODUCT_ROOTS,
  rewriteTsPaths,
  SIDECAR_ENTRY,
} from './build-dist.ts';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const run = promisify(execFile);

/**
 * Packages dependencies require inside try/catch when installed (ws: bufferutil, utf-8-validate;
 * debug: supports-color); none is installed, so esbuild leaves the require, which fails and is caught.
 */
const OPTIONAL_PACKAGES = ['bufferutil', 'utf-8-validate', 'supports-color'];

const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
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

describe('keepModuleUrl', () => {
  it("points import.meta.url and import.meta.dirname from the bundle's folder at the module's own path", () => {
    expect(keepModuleUrl("new URL('./discovery.proto', import.meta.url)", 'api/proto/discovery.ts')).toBe(
      `new URL('./discovery.proto', new URL("../api/proto/discovery.js", import.meta.url).href)`,
    );
    expect(keepModuleUrl('join(import.meta.dirname, "page.html")', 'cli/dashboard/server.ts')).toBe(
      'join((import.meta.dirname + "/dashboard"), "page.html")',
    );
    expect(keepModuleUrl('import.meta.dirname', 'cli/main.ts')).toBe('(import.meta.dirname + "")');
  });
});

/** Output files a process loads when it imports `from`: static imports, followed transitively. */
const staticClosure = (meta: Metafile, from: readonly string[]): Set<string> => {
  const seen = new Set<string>();
  const todo = [...from];
  for (let f = todo.pop(); f !== undefined; f = todo.pop()) {
    if (seen.has(f)) continue;
    seen.add(f);
    for (const i of meta.outputs[f]?.imports ?? []) if (i.kind === 'import-statement') todo.push(i.path);
  }
  return seen;
};

describe('npm run build (the image form)', () => {
  let out: string;
  let meta: Metafile;
  let app: App;

  beforeAll(async () => {
    // a temp dir has no node_modules above it: the bundle must carry its dependencies
    out = mkdtempSync(join(tmpdir(), 'weft-dist-'));
    meta = (await buildDist({ root, out })).metafile;
    app = await startH1Echo('app');
  }, 60_000);

  afterAll(async () => {
    await stopAll();
    await app?.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('holds no TypeScript, no test, no test kit and no node_modules, and every module it imports exists', () => {
    const all = files(out);
    expect(all.filter((f) => f.endsWith('.ts'))).toEqual([]);
    expect(all.filter((f) => /\.test\.js$|testkit/.test(f))).toEqual([]);
    expect(all.filter((f) => f.includes('node_modules'))).toEqual([]);
    expect(existsSync(join(out, 'cli/main.js'))).toBe(true);
    expect(existsSync(join(out, 'api/proto/discovery.proto'))).toBe(true);
    expect(existsSync(join(out, 'crds'))).toBe(true);
    // every chunk an output imports exists, and nothing outside the bundle is imported but Node's own
    const missing: string[] = [];
    const external = new Set<string>();
    for (const o of Object.values(meta.outputs))
      for (const i of o.imports)
        // cli/main.js imports the sidecar's own bundle (cli/proxy.js) by a relative path
        if (i.external && i.path.startsWith('./')) {
          if (!existsSync(join(out, BUNDLE_DIR, i.path))) missing.push(i.path);
        } else if (i.external) external.add(i.path);
        else if (!existsSync(join(root, i.path))) missing.push(i.path);
    expect(missing).toEqual([]);
    expect([...external].filter((p) => !isBuiltin(p) && !OPTIONAL_PACKAGES.includes(p))).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(out, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.type).toBe('module');
    expect(pkg.scripts).toBeUndefined();
  });

  it("keeps the control plane, the injector and heavy libraries off the sidecar's import graph", () => {
    const outputs = Object.keys(meta.outputs);
    const main = outputs.find((o) => o.endsWith(`${BUNDLE_DIR}/main.js`)) as string;
    const proxy = outputs.find((o) => meta.outputs[o]?.entryPoint === SIDECAR_ENTRY) as string;
    expect(main, outputs.join('\n')).toBeDefined();
    expect(proxy, outputs.join('\n')).toBeDefined();
    const inputs = [...staticClosure(meta, [main, proxy])].flatMap((o) =>
      Object.keys(meta.outputs[o]?.inputs ?? {}),
    );
    expect(inputs.length).toBeGreaterThan(0);
    for (const banned of [
      'node_modules/@kubernetes/client-node/',
      'node_modules/fastify/',
      // the sidecar validates with zod/mini (api/schema/snapshot.ts), not all of zod
      'node_modules/zod/v4/classic/',
      // read only for --config files, imported when one is read
      'node_modules/yaml/',
      'control-plane/',
      'injector/',
    ])
      expect(
        inputs.filter((i) => i.startsWith(banned) || i.includes(`/${banned}`)),
        banned,
      ).toEqual([]);
  });

  // No container engine runs here, so the Dockerfile is checked against the build it copies.
  it('matches the Dockerfile: every product folder copied, entrypoint and injected command in the build', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    for (const dir of [...PRODUCT_ROOTS, 'scripts'])
      expect(dockerfile, `COPY ${dir} in the build stage`).toMatch(
        new RegExp(`^COPY ${dir} \\./${dir}$`, 'm'),
      );
    expect(dockerfile, 'no node_modules copied: the bundle carries its dependencies').not.toMatch(
      /^COPY .*node_modules/m,
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
      // the native addon is found beside the bundle (it is mapped into the process)
      if (existsSync(join(root, 'proxy/capture/original-dst/build/Release/original_dst.node')))
        expect(readFileSync(`/proc/${sidecar.ports.pid}/maps`, 'utf8')).toContain('original_dst.node');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the local mesh demo (weft dev), whose example apps are bundles of their own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-dist-dev-'));
    try {
      const examples = join(out, 'examples/local');
      const { stdout } = await run(
        process.execPath,
        [join(out, 'cli/main.js'), 'dev', examples, '--duration', '4', '--json', '--rps', '50'],
        { cwd: dir, timeout: 60_000 },
      );
      const summary = JSON.parse(stdout) as { services: { service: string; success: number }[] };
      expect(summary.services.find((x) => x.service === 'frontend')?.success).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('runs a control plane and two mTLS sidecars with certificates from its CA, which carry a request', async () => {
    const mesh = await ProcessMesh.create({ 'services.yaml': serviceYaml('echo') }, join(out, 'cli/main.js'));
    try {
      await mesh.startControlPlane();
      // STRICT inbound (a token turns mTLS on): the request only passes with a verified client certificate
      await mesh.sidecar('server', { service: 'echo', appPort: app.port });
      const client = await mesh.sidecar('client');
      await endpointsAre(client, 'echo', 1);
      const reply = await h1Call(client.ports.outbound, { authority: 'echo', path: '/meshed' });
      expect(reply.status).toBe(200);
      expect(reply.headers['x-echo-path']).toBe('/meshed');
    } finally {
      await stopAll();
      await mesh.close();
    }
  }, 60_000);
});

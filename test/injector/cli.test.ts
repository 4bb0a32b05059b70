// `weft inject` and `weft init`: in-process through their run functions (fake I/O, a stand-in
// iptables-restore, a local readiness server) and twice as real processes for flags and env.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import {
  captureFromFlags,
  restoreFamilies,
  restoreRules,
  waitReady,
  type InitFlags,
} from '../../cli/init/command.ts';
import { runInject, type InjectFlags, type InjectIo } from '../../cli/inject/command.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const tmp = mkdtempSync(path.join(tmpdir(), 'weft-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const POD =
  'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n    - name: app\n      image: x\n';

const fakeIo = (files: Record<string, string>, stdin = '') => {
  const out = { stdout: '', stderr: '' };
  const io: InjectIo = {
    readFile: async (p) => {
      const f = files[p];
      if (f === undefined) throw new Error(`ENOENT: no such file, open '${p}'`);
      return f;
    },
    readStdin: async () => stdin,
    stdout: (s) => (out.stdout += s),
    stderr: (s) => (out.stderr += s),
  };
  return { io, out };
};

describe('weft inject', () => {
  it('injects a file and reports each workload on stderr', async () => {
    const { io, out } = fakeIo({ 'pod.yaml': POD });
    expect(await runInject({ filename: 'pod.yaml', image: 'reg.example/weft:2' }, io)).toBe(0);
    const pod = parse(out.stdout) as { spec: { initContainers: { image: string }[] } };
    expect(pod.spec.initContainers.map((c) => c.image)).toEqual(['reg.example/weft:2', 'reg.example/weft:2']);
    expect(out.stderr).toBe('weft inject: Pod a: injected\n');
  });

  it('reads stdin for -f -, and native sidecar off moves the proxy into containers', async () => {
    const { io, out } = fakeIo({}, POD);
    expect(await runInject({ filename: '-', nativeSidecar: 'false' }, io)).toBe(0);
    const pod = parse(out.stdout) as { spec: { containers: { name: string }[] } };
    expect(pod.spec.containers.map((c) => c.name)).toEqual(['weft-proxy', 'app']);
  });

  it.each<[string, InjectFlags, Record<string, string>, RegExp]>([
    [
      'bad flags',
      { filename: 'p', proxyLogLevel: 'loud', controlPlane: 'nope' },
      { p: POD },
      /--proxy-log-level \(or WEFT_PROXY_LOG_LEVEL\): must be one of.*\n--control-plane/s,
    ],
    ['a missing file', { filename: 'missing.yaml' }, {}, /cannot read missing.yaml: ENOENT/],
    [
      'unparsable YAML',
      { filename: 'b.yaml' },
      { 'b.yaml': `${POD}---\nkind: [\n` },
      /b\.yaml: document 2, line \d+: is not valid YAML/,
    ],
  ])('exits 2 on %s, saying what and where', async (_, flags, files, message) => {
    const { io, out } = fakeIo(files);
    expect(await runInject(flags, io)).toBe(2);
    expect(out.stderr).toMatch(message);
    expect(out.stdout).toBe('');
  });

  it('runs as `weft inject` with WEFT_* environment equivalents', async () => {
    const file = path.join(tmp, 'pod.yaml');
    writeFileSync(file, POD);
    const { stdout } = await run(process.execPath, ['cli/main.ts', 'inject', '-f', file], {
      cwd: repoRoot,
      env: { ...process.env, WEFT_IMAGE: 'env.example/weft:3', WEFT_PROXY_LOG_LEVEL: 'debug' },
    });
    expect(stdout).toContain('image: env.example/weft:3');
    expect(stdout).toMatch(/name: WEFT_LOG_LEVEL\n\s+value: debug/);
  });
});

const initFlags = (o: Partial<InitFlags> = {}): InitFlags => ({
  proxyUid: '1337',
  outboundPort: '15001',
  inboundPort: '15006',
  iptablesRestore: 'iptables-restore',
  waitTimeout: '120',
  ...o,
});

describe('weft init', () => {
  it('reports every bad flag at once', () => {
    const r = captureFromFlags(
      initFlags({
        proxyUid: '-1',
        inboundPort: '70000',
        excludeOutboundPorts: 'x',
        excludeOutboundCidrs: '1.2.3.4/99',
      }),
    );
    expect(!r.ok && r.error.map((i) => i.path)).toEqual([
      '--proxy-uid',
      '--inbound-port',
      '--exclude-outbound-ports',
      '--exclude-outbound-cidrs',
    ]);
  });

  it('--dry-run prints the golden default rules (with the proxy ports excluded inbound)', async () => {
    const { stdout } = await run(
      process.execPath,
      ['cli/main.ts', 'init', '--dry-run', '--exclude-inbound-ports', '15090,15021'],
      { cwd: repoRoot },
    );
    const golden = (name: string): string =>
      readFileSync(path.join(repoRoot, 'injector/fixtures/iptables', name), 'utf8');
    expect(stdout).toBe(
      `# iptables-restore\n${golden('default.rules')}# ip6tables-restore\n${golden('default.v6.rules')}`,
    );
  });

  it('loads IPv6 rules beside IPv4 ones; an IPv6 failure stops the pod only when it has routable IPv6', async () => {
    const o = captureFromFlags(initFlags());
    if (!o.ok) throw new Error('flags');
    const got = path.join(tmp, 'restored-v6.txt');
    const ok = path.join(tmp, 'fake-restore-v6');
    writeFileSync(ok, `#!/bin/sh\ncat > '${got}'\n`);
    chmodSync(ok, 0o755);
    const absent = path.join(tmp, 'no-ip6tables-restore');
    const fine = await restoreFamilies(o.value, { 4: ok, 6: ok }, 'routable');
    expect(fine.map((r) => [r.family, r.code, r.fatal])).toEqual([
      [4, 0, false],
      [6, 0, false],
    ]);
    expect(readFileSync(got, 'utf8')).toContain('-A WEFT_REDIRECT -p tcp -j REDIRECT --to-ports 15001');
    const failed = (ipv6: 'local' | 'routable') =>
      restoreFamilies(o.value, { 4: ok, 6: absent }, ipv6).then((rs) => rs.map((r) => r.fatal));
    expect(await failed('routable')).toEqual([false, true]);
    expect(await failed('local')).toEqual([false, false]);
    expect((await restoreFamilies(o.value, { 4: ok, 6: absent }, 'off')).map((r) => r.family)).toEqual([4]);
  });

  it('feeds the rules to iptables-restore on stdin and reports its failure', async () => {
    const got = path.join(tmp, 'restored.txt');
    const ok = path.join(tmp, 'fake-restore');
    writeFileSync(ok, `#!/bin/sh\ncat > '${got}'\n`);
    const bad = path.join(tmp, 'failing-restore');
    writeFileSync(bad, '#!/bin/sh\necho "iptables-restore: line 2 failed" >&2\nexit 1\n');
    chmodSync(ok, 0o755);
    chmodSync(bad, 0o755);
    expect(await restoreRules(ok, ['*nat', 'COMMIT'])).toEqual({ code: 0, stderr: '' });
    expect(readFileSync(got, 'utf8')).toBe('*nat\nCOMMIT\n');
    expect(await restoreRules(bad, ['*nat'])).toEqual({
      code: 1,
      stderr: 'iptables-restore: line 2 failed\n',
    });
    expect((await restoreRules(path.join(tmp, 'absent'), ['*nat'])).code).toBe(127);
  });
});

describe('weft init --wait-ready', () => {
  const server = (answers: number[]) => {
    let calls = 0;
    const s = http.createServer((_, res) =>
      res.writeHead(answers[Math.min(calls++, answers.length - 1)] ?? 503).end(),
    );
    return { s, calls: () => calls };
  };
  const fakeTime = () => {
    let t = 0;
    return { now: () => t, sleep: async (ms: number) => void (t += ms) };
  };
  const listen = async (s: http.Server) => {
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}/ready`;
  };

  it('returns once the sidecar answers 200', async () => {
    const { s, calls } = server([503, 503, 200]);
    const url = await listen(s);
    expect(await waitReady(url, 10_000, { fetch, ...fakeTime() })).toBe(true);
    expect(calls()).toBe(3);
    s.close();
  });

  it('gives up after the timeout (on the injected clock)', async () => {
    const { s, calls } = server([503]);
    const url = await listen(s);
    expect(await waitReady(url, 1000, { fetch, ...fakeTime() })).toBe(false);
    expect(calls()).toBe(6); // t = 0, 200, …, 1000
    s.close();
  });
});

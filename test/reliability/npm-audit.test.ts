// `npm run audit` tells "not checked" from "checked": the real script and the real npm client,
// pointed (npm_config_registry) at loopback stand-ins for the advisory service: one that refuses
// the advisory request (as the proxy in front of these machines does), a closed port, and one
// that answers with no advisory. Findings and other failures are classified from npm's JSON.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AUDIT_EXIT, auditOutcome } from './npm-audit-outcome.ts';

const repoRoot = join(import.meta.dirname, '../..');
let server: http.Server | undefined;

afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

/** A loopback registry whose advisory endpoint answers every request with `status` and `body`. */
const advisoryService = async (status: number, body: string): Promise<string> => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
};

const closedPort = async (): Promise<string> => {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return `http://127.0.0.1:${port}/`;
};

const runAudit = (registry: string): Promise<{ code: number | null; stdout: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'test/reliability/npm-audit.ts')], {
      cwd: repoRoot,
      env: { ...process.env, npm_config_registry: registry, npm_config_fetch_retries: '0' },
    });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout }));
  });

describe('npm run audit', () => {
  it(
    'says in one line, exit 3, that nothing was checked when the advisory request is refused',
    { timeout: 60_000 },
    async () => {
      const { code, stdout } = await runAudit(await advisoryService(405, 'Method Not Allowed'));
      expect(stdout.trim().split('\n')).toHaveLength(1);
      expect(stdout).toMatch(/^npm audit: NOT CHECKED, the advisory service could not be reached \(405/);
      expect(code).toBe(AUDIT_EXIT.unreachable);
    },
  );

  it('says the same when nothing listens', { timeout: 60_000 }, async () => {
    const { code, stdout } = await runAudit(await closedPort());
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(stdout).toMatch(/^npm audit: NOT CHECKED, .*ECONNREFUSED/);
    expect(code).toBe(AUDIT_EXIT.unreachable);
  });

  it('exits 0 with the counts when the service answers with no advisory', { timeout: 60_000 }, async () => {
    const { code, stdout } = await runAudit(await advisoryService(200, '{}'));
    expect(stdout).toMatch(/^npm audit --omit=dev: \{"info":0,.*"high":0,"critical":0/);
    expect(code).toBe(AUDIT_EXIT.clean);
  });

  it('exits 1 and lists high and critical findings; exits 2 when the audit itself fails', () => {
    const findings = auditOutcome(
      {
        stdout: JSON.stringify({
          vulnerabilities: { a: { severity: 'critical' }, b: { severity: 'low' }, c: { severity: 'high' } },
          metadata: { vulnerabilities: { low: 1, high: 1, critical: 1 } },
        }),
        stderr: '',
        timedOut: false,
      },
      120,
    );
    expect(findings.exitCode).toBe(AUDIT_EXIT.findings);
    expect(findings.lines.slice(1)).toEqual(['  critical: a', '  high: c']);
    const noLockfile = auditOutcome(
      {
        stdout: JSON.stringify({
          error: { code: 'ENOLOCK', summary: 'This command requires an existing lockfile.' },
        }),
        stderr: '',
        timedOut: false,
      },
      120,
    );
    expect(noLockfile).toEqual({
      exitCode: AUDIT_EXIT.failed,
      lines: ['npm audit: failed (ENOLOCK: This command requires an existing lockfile.) (exit 2)'],
    });
    expect(auditOutcome({ stdout: '', stderr: '', timedOut: true }, 120).exitCode).toBe(
      AUDIT_EXIT.unreachable,
    );
  });

  it('is not part of npm test or CI, so an unreachable service never blocks a build', () => {
    const scripts = (
      JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    expect(scripts['test']).not.toMatch(/audit/);
    expect(readFileSync(join(repoRoot, '.ci/run'), 'utf8')).not.toMatch(/audit/);
  });
});

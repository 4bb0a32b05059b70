// Oversized configuration in a local-mode folder: a file over the 1 MiB limit and an object over
// a list limit are each refused with an issue naming the file (and field) and the limit, while
// the rest of the folder stays in force.
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_BACKENDS, MAX_FILE_BYTES } from '../../api/schema/limits.ts';
import { startControlPlane, type RunningControlPlane } from '../../control-plane/runtime.ts';
import { eventually, quietLogger, tempConfigDir, type TempDir } from '../control-plane/helpers.ts';
import { serviceYaml } from './harness.ts';

const splitYaml = (backends: number): string => `
apiVersion: split.smi-spec.io/v1alpha4
kind: TrafficSplit
metadata: { name: web, namespace: demo }
spec:
  service: web
  backends:
${Array.from({ length: backends }, (_, i) => `    - { service: web-${i}, weight: 1 }`).join('\n')}
`;

/** A valid Service file padded with a YAML comment to `bytes`. */
const padded = (name: string, bytes: number): string => {
  const body = serviceYaml(name);
  return `${body}#${'x'.repeat(bytes - body.length - 2)}\n`;
};

let cp: RunningControlPlane | undefined;
let dir: TempDir | undefined;
afterEach(async () => {
  await cp?.close();
  await dir?.remove();
  cp = dir = undefined;
});

const start = async (files: Record<string, string>) => {
  dir = await tempConfigDir(files);
  cp = await startControlPlane({
    configDir: dir.dir,
    grpcPort: 0,
    adminPort: 0,
    logger: quietLogger(),
    debounceMs: 20,
    startupGraceMs: 0,
  });
  return cp;
};
const issuesOf = (c: RunningControlPlane) => c.status().issues;

describe('configuration size limits in the folder source', () => {
  it('refuses a file over 1 MiB by name and keeps serving the others', async () => {
    const c = await start({
      'ok.yaml': serviceYaml('web'),
      'big.yaml': padded('big', MAX_FILE_BYTES + 1),
      'edge.yaml': padded('edge', MAX_FILE_BYTES),
    });
    expect(issuesOf(c)).toEqual([
      {
        path: expect.stringMatching(/big\.yaml$/),
        message: `is ${MAX_FILE_BYTES + 1} bytes: a configuration file may be at most ${MAX_FILE_BYTES} bytes (1 MiB); split it into several files`,
      },
    ]);
    const snap = await fetch(`http://${c.adminAddress}/status`).then((r) => r.json() as Promise<unknown>);
    expect(JSON.stringify(snap)).toContain('at most 1048576 bytes');
  });

  it('reports a file that grows over the limit, then a list over its limit, and clears when fixed', async () => {
    const c = await start({ 'svc.yaml': serviceYaml('web') });
    await dir!.write('svc.yaml', padded('web', 2 * MAX_FILE_BYTES));
    await eventually(() => (issuesOf(c).length > 0 ? true : undefined), 5_000, 'the issue');
    expect(issuesOf(c)[0]?.message).toMatch(/^is 2097152 bytes: /);
    await dir!.write('svc.yaml', `${serviceYaml('web')}${splitYaml(MAX_BACKENDS + 1)}`);
    const issue = await eventually(
      () => issuesOf(c).find((i) => i.path.endsWith('spec.backends')),
      5_000,
      'the backends issue',
    );
    expect(issue).toEqual({
      path: expect.stringMatching(/svc\.yaml: TrafficSplit demo\/web: spec\.backends$/),
      message: `must list at most ${MAX_BACKENDS} item(s) (got ${MAX_BACKENDS + 1})`,
    });
    await dir!.write('svc.yaml', `${serviceYaml('web')}${splitYaml(MAX_BACKENDS)}`);
    await eventually(() => (issuesOf(c).length === 0 ? true : undefined), 5_000, 'no issues');
  });
});

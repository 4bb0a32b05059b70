// A running control plane's log lines name their component once: the root logger has one, and
// every part logs through a child naming its own (pino would otherwise print both).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stopAll, weftServing } from '../mtls/processes.ts';
import { splitYaml } from './helpers.ts';

describe('control plane log lines', () => {
  let dir = '';
  afterAll(async () => {
    await stopAll();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('carry the component key once, the innermost one', async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-log-lines-'));
    await mkdir(join(dir, 'config'));
    // A split of a service that does not exist: control-plane.index warns about it.
    await writeFile(join(dir, 'config', 'split.yaml'), splitYaml(90, 10));
    const [cp] = await weftServing(
      [
        ...['control-plane', '--config-dir', join(dir, 'config'), '--grpc-port', '0', '--admin-port', '0'],
        ...['--ca-dir', join(dir, 'ca'), '--log-level', 'info'],
      ],
      join(dir, 'cp.ports'),
    );
    const deadline = Date.now() + 10_000;
    const lines = (): string[] =>
      cp
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'));
    const components = (): string[] =>
      lines().map((l) => String((JSON.parse(l) as { component?: unknown }).component));
    while (!components().includes('control-plane.index') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(components()).toContain('control-plane.index');
    expect(components()).toContain('control-plane');
    for (const l of lines()) expect(l.split('"component":').length - 1, l).toBe(1);
  }, 30_000);
});

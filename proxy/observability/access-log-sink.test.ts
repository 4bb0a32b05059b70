import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openAccessLog } from './access-log-sink.ts';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('openAccessLog', () => {
  it('writes one JSON object per line, marked as access lines, without pino level/pid/hostname fields', async () => {
    const lines: string[] = [];
    const sink = openAccessLog({ stream: { write: (s: string) => void lines.push(s) } });
    sink.write({ time: '1970-01-01T00:00:00.000Z', status: 200, path: '/a "quoted"\npath' });
    await sink.close();
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith('\n')).toBe(true);
    expect(JSON.parse(lines[0]!)).toEqual({
      log: 'access',
      time: '1970-01-01T00:00:00.000Z',
      status: 200,
      path: '/a "quoted"\npath',
    });
  });

  it('appends to a file (created with its folder) and has everything on disk after close', async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-access-'));
    const file = join(dir, 'logs', 'access.log');
    const sink = openAccessLog({ file });
    for (let i = 0; i < 500; i++) sink.write({ i });
    await sink.close();
    const got = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { i: number });
    expect(got.map((e) => e.i)).toEqual([...Array(500).keys()]);
  });
});

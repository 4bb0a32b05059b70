import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

const capture = () => {
  const lines: string[] = [];
  return { lines, stream: { write: (l: string) => void lines.push(l) } };
};
const count = (line: string, key: string): number => line.split(`"${key}":`).length - 1;

describe('createLogger', () => {
  it('writes a rebound key once, with the innermost value', () => {
    const { lines, stream } = capture();
    const root = createLogger({ base: { component: 'control-plane' } }, stream);
    const log = root
      .child({ component: 'control-plane' })
      .child({ component: 'control-plane.index', dir: 'd' });
    log.info('compiled');
    const line = lines[0] as string;
    expect(count(line, 'component')).toBe(1);
    expect(JSON.parse(line)).toMatchObject({ component: 'control-plane.index', dir: 'd', msg: 'compiled' });
  });

  it('keeps the bindings a child does not rebind, and keeps children apart', () => {
    const { lines, stream } = capture();
    const root = createLogger({ base: { component: 'proxy', workload: 'web' } }, stream);
    const a = root.child({ component: 'proxy.discovery' });
    root.child({ component: 'proxy.identity' }).info('b');
    a.child({ peer: 'x' }).info('a');
    root.info('root');
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toMatchObject([
      { component: 'proxy.identity', workload: 'web', msg: 'b' },
      { component: 'proxy.discovery', workload: 'web', peer: 'x', msg: 'a' },
      { component: 'proxy', workload: 'web', msg: 'root' },
    ]);
    for (const l of lines) expect(count(l, 'component')).toBe(1);
  });

  it('copes with a root without bindings', () => {
    const { lines, stream } = capture();
    createLogger({ base: null }, stream).child({}).child({ component: 'x' }).info('m');
    expect(count(lines[0] as string, 'component')).toBe(1);
  });
});

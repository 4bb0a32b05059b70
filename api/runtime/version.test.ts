import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { componentVersion, WEFT_VERSION } from './version.ts';

describe('WEFT_VERSION', () => {
  it("is package.json's version, reported with the Node version", () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(WEFT_VERSION).toBe(pkg.version);
    expect(componentVersion('proxy')).toEqual({
      component: 'proxy',
      version: pkg.version,
      node: process.version,
    });
  });
});

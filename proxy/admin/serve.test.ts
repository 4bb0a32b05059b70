import { afterEach, describe, expect, it } from 'vitest';
import { serveRoutes, text, type Served } from './serve.ts';

const opened: Served[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
});

const get = async (url: string): Promise<string> => {
  const r = await fetch(url);
  return `${r.status} ${(await r.text()).trim()}`;
};

describe('serveRoutes', () => {
  it('on 0.0.0.0 answers over IPv4 and IPv6 alike (dual-stack pods: kubelet, Prometheus)', async () => {
    const served = await serveRoutes('0.0.0.0', 0, { '/ready': () => text(200, 'ready') });
    opened.push(served);
    expect(await get(`http://127.0.0.1:${served.port}/ready`)).toBe('200 ready');
    expect(await get(`http://[::1]:${served.port}/ready`)).toBe('200 ready');
  });

  it('on a named address listens there only', async () => {
    const served = await serveRoutes('127.0.0.1', 0, { '/ready': () => text(200, 'ready') });
    opened.push(served);
    expect(await get(`http://127.0.0.1:${served.port}/ready`)).toBe('200 ready');
    await expect(get(`http://[::1]:${served.port}/ready`)).rejects.toThrow();
  });
});

// Loads the native addon built from original_dst.c (npm install runs node-gyp) once per process.
// It carries the socket options Node does not wrap: SO_ORIGINAL_DST and SO_SNDBUF. Without it
// the sidecar still works: transparent capture routes by Host only, send buffers stay autotuned.
import { createRequire } from 'node:module';
import type { OriginalDst } from './original-dst.ts';

export interface NativeSocketOptions {
  originalDst(fd: number): OriginalDst;
  /** Sets SO_SNDBUF; returns what the kernel reports (twice the request on Linux). */
  setSendBuffer(fd: number, bytes: number): number;
}

export const ADDON_PATH = './build/Release/original_dst.node';

type Loaded = { ok: true; value: NativeSocketOptions } | { ok: false; error: string };

let loaded: Loaded | undefined;

export const loadAddon = (): Loaded => {
  if (loaded) return loaded;
  if (process.platform !== 'linux') return (loaded = { ok: false, error: `not Linux (${process.platform})` });
  try {
    loaded = { ok: true, value: createRequire(import.meta.url)(ADDON_PATH) as NativeSocketOptions };
  } catch (err) {
    const first = (err as Error).message.split('\n')[0] ?? 'unknown error';
    loaded = { ok: false, error: `${first} (build it with: npm run build:original-dst)` };
  }
  return loaded;
};

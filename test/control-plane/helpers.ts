// Shared by the control-plane integration tests: a temp config folder, a silent logger, and
// a bounded wait for a condition (tests never sleep a fixed time to prove something).
import { mkdtemp, rm, writeFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';

export const quietLogger = (): Logger => pino({ level: process.env.WEFT_TEST_LOG ?? 'silent' });

export interface TempDir {
  readonly dir: string;
  /** Writes like an editor: temp file, then rename over the target. */
  write(name: string, text: string): Promise<void>;
  remove(): Promise<void>;
}

export const tempConfigDir = async (files: Record<string, string>): Promise<TempDir> => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-cp-'));
  const write = async (name: string, text: string): Promise<void> => {
    const tmp = join(dir, `${name}.tmp`);
    await writeFile(tmp, text);
    await rename(tmp, join(dir, name));
  };
  for (const [name, text] of Object.entries(files)) await write(name, text);
  return { dir, write, remove: () => rm(dir, { recursive: true, force: true }) };
};

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export const eventually = async <T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

export const SERVICES_YAML = `
apiVersion: v1
kind: Service
metadata: { name: catalog, namespace: demo }
spec:
  ports: [{ name: http, port: 80, targetPort: 8080, appProtocol: http }]
---
apiVersion: v1
kind: Service
metadata: { name: catalog-v1, namespace: demo }
spec:
  ports: [{ name: http, port: 80, targetPort: 8080, appProtocol: http }]
---
apiVersion: v1
kind: Service
metadata: { name: catalog-v2, namespace: demo }
spec:
  ports: [{ name: http, port: 80, targetPort: 8081, appProtocol: http }]
---
apiVersion: v1
kind: Service
metadata: { name: frontend, namespace: demo }
spec:
  ports: [{ name: http, port: 80, appProtocol: http }]
`;

export const splitYaml = (v1: number, v2: number): string => `
apiVersion: split.smi-spec.io/v1alpha4
kind: TrafficSplit
metadata: { name: catalog, namespace: demo }
spec:
  service: catalog
  backends:
    - { service: catalog-v1, weight: ${v1} }
    - { service: catalog-v2, weight: ${v2} }
`;

// The CRDs in crds/ as objects, for seeding the stand-in exactly as `kubectl apply -f crds/` would.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../kube-apiserver/index.ts';

export const CRD_DIR = fileURLToPath(new URL('../../crds/', import.meta.url));

export const loadCrds = (): KubeObject[] =>
  readdirSync(CRD_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) =>
      parseAllDocuments(readFileSync(`${CRD_DIR}${f}`, 'utf8')).map((d) => d.toJS() as KubeObject),
    )
    .filter((o) => o !== null);

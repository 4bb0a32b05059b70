// RFC 6902 JSONPatch by diffing the original pod against the mutated one: the webhook returns it
// and `weft inject` replays it onto the YAML document, so both paths change exactly the same
// fields. Arrays are aligned by element key (a container's name, or its whole value) with a
// longest common subsequence, so inserting the sidecar does not rewrite the containers after it.
import { isJsonObject, jsonEqual, presentKeys, type Json, type JsonObject } from './json.ts';

export type PatchOp =
  | { readonly op: 'add'; readonly path: string; readonly value: Json }
  | { readonly op: 'replace'; readonly path: string; readonly value: Json }
  | { readonly op: 'remove'; readonly path: string };

/** RFC 6901: "~" → "~0" first, then "/" → "~1" (the order matters: "~1" must not become "~01"). */
export const escapePointer = (key: string): string => key.replaceAll('~', '~0').replaceAll('/', '~1');

export const unescapePointer = (token: string): string => token.replaceAll('~1', '/').replaceAll('~0', '~');

/** Pointer "/a/b~1c" → ["a", "b/c"]. */
export const pointerTokens = (pointer: string): string[] =>
  pointer === '' ? [] : pointer.slice(1).split('/').map(unescapePointer);

const elementKey = (v: Json): string =>
  isJsonObject(v) && typeof v['name'] === 'string' ? `name:${v['name']}` : `value:${JSON.stringify(v)}`;

type Step =
  | { readonly kind: 'keep'; readonly from: Json; readonly to: Json }
  | { readonly kind: 'del' }
  | { readonly kind: 'ins'; readonly to: Json };

/** lcs[i][j]: length of the longest common subsequence of ka[i..] and kb[j..]. */
const lcsTable = (ka: readonly string[], kb: readonly string[]): number[][] => {
  // Pods have a handful of containers, so the O(n·m) table is tiny.
  const t = Array.from({ length: ka.length + 1 }, () => new Array<number>(kb.length + 1).fill(0));
  for (let i = ka.length - 1; i >= 0; i--) {
    const row = t[i] as number[];
    const below = t[i + 1] as number[];
    for (let j = kb.length - 1; j >= 0; j--)
      row[j] =
        ka[i] === kb[j] ? (below[j + 1] as number) + 1 : Math.max(below[j] as number, row[j + 1] as number);
  }
  return t;
};

/** Edit script turning `a` into `b`, pairing elements with equal keys along an LCS. */
const align = (a: readonly Json[], b: readonly Json[]): Step[] => {
  const ka = a.map(elementKey);
  const kb = b.map(elementKey);
  const lcs = lcsTable(ka, kb);
  const at = (i: number, j: number): number => lcs[i]?.[j] ?? 0;
  const steps: Step[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && ka[i] === kb[j])
      steps.push({ kind: 'keep', from: a[i++] as Json, to: b[j++] as Json });
    else if (j < b.length && (i >= a.length || at(i, j + 1) >= at(i + 1, j)))
      steps.push({ kind: 'ins', to: b[j++] as Json });
    else {
      steps.push({ kind: 'del' });
      i++;
    }
  }
  return steps;
};

const diffArray = (path: string, a: readonly Json[], b: readonly Json[], out: PatchOp[]): void => {
  let index = 0; // position in the array as patched so far
  for (const step of align(a, b)) {
    if (step.kind === 'del') {
      out.push({ op: 'remove', path: `${path}/${index}` });
    } else if (step.kind === 'ins') {
      out.push({ op: 'add', path: `${path}/${index}`, value: step.to });
      index++;
    } else {
      diffInto(`${path}/${index}`, step.from, step.to, out);
      index++;
    }
  }
};

const diffObject = (path: string, a: JsonObject, b: JsonObject, out: PatchOp[]): void => {
  for (const k of presentKeys(a))
    if (b[k] === undefined) out.push({ op: 'remove', path: `${path}/${escapePointer(k)}` });
  for (const k of presentKeys(b)) {
    const to = b[k] as Json;
    const from = a[k];
    if (from === undefined) out.push({ op: 'add', path: `${path}/${escapePointer(k)}`, value: to });
    else diffInto(`${path}/${escapePointer(k)}`, from, to, out);
  }
};

const diffInto = (path: string, a: Json, b: Json, out: PatchOp[]): void => {
  if (jsonEqual(a, b)) return;
  if (Array.isArray(a) && Array.isArray(b)) return diffArray(path, a, b, out);
  if (isJsonObject(a) && isJsonObject(b)) return diffObject(path, a, b, out);
  out.push({ op: 'replace', path, value: b });
};

/** The ops that turn `original` into `mutated` (empty when they are equal). */
export const diffJson = (original: Json, mutated: Json): PatchOp[] => {
  const out: PatchOp[] = [];
  diffInto('', original, mutated, out);
  return out;
};

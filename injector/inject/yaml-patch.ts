// Replays a JSONPatch onto a parsed YAML document in place, so `weft inject` changes only the
// injected fields: comments, key order and quoting elsewhere in the file survive.
import { isScalar, isSeq, type Document } from 'yaml';
import type { Json } from './json.ts';
import { pointerTokens, type PatchOp } from './json-patch.ts';

type Segment = string | number;

/** Pointer tokens under `base`, with sequence indexes turned into numbers as yaml's API wants. */
const segments = (doc: Document, base: readonly Segment[], tokens: readonly string[]): Segment[] => {
  const out: Segment[] = [...base];
  for (const t of tokens) {
    const parent = doc.getIn(out, true);
    out.push(isSeq(parent) && t !== '-' ? Number(t) : t);
  }
  return out;
};

/** Scalars are assigned as plain values so yaml keeps the existing node (and its comment). */
const nodeFor = (doc: Document, value: Json): unknown =>
  value !== null && typeof value === 'object' ? doc.createNode(value) : value;

const add = (doc: Document, path: Segment[], value: Json): void => {
  const parent = doc.getIn(path.slice(0, -1), true);
  const last = path[path.length - 1];
  if (isSeq(parent)) {
    const index = last === '-' ? parent.items.length : Number(last);
    parent.items.splice(index, 0, doc.createNode(value));
  } else {
    doc.setIn(path, nodeFor(doc, value));
  }
};

export const applyPatchToDocument = (
  doc: Document,
  base: readonly Segment[],
  ops: readonly PatchOp[],
): void => {
  for (const op of ops) {
    const path = segments(doc, base, pointerTokens(op.path));
    if (op.op === 'remove') doc.deleteIn(path);
    else if (op.op === 'add') add(doc, path, op.value);
    else {
      const current = doc.getIn(path, true);
      // A collection replaced by a scalar (or the reverse) needs a fresh node, not a value update.
      const keep = isScalar(current) && (op.value === null || typeof op.value !== 'object');
      doc.setIn(path, keep ? op.value : doc.createNode(op.value));
    }
  }
};

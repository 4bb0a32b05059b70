// Lays out the service graph, pure (the page passes a text measurer, the unit test a fixed one):
// columns by call depth (callers left, callees right), every column as wide as its widest box,
// every gap between two columns as wide as the widest edge label it holds, so a label never
// reaches into a box. Labels sit on their edge at the middle of the gap and are pushed apart
// vertically when two would overlap; the graph grows to fit them.

export const BOX_HEIGHT = 32;
const BOX_PAD_X = 14;
const ROW_PITCH = 56;
const GAP_PAD = 18;
const MIN_GAP = 60;
const LABEL_SPACING = 4;
const MARGIN = 16;

export const edgeLabel = (e, pct, ms) => `${e.rps.toFixed(1)} rps · ${pct(e.success)} · p99 ${ms(e.p99)}`;

/** Longest call chain reaching each node; bounded so a call cycle cannot loop forever. */
const depths = (nodes, edges) => {
  const depth = new Map(nodes.map((n) => [n, 0]));
  for (let i = 0; i < nodes.length; i++)
    for (const e of edges)
      if (e.from !== e.to)
        depth.set(e.to, Math.min(nodes.length, Math.max(depth.get(e.to) ?? 0, (depth.get(e.from) ?? 0) + 1)));
  return depth;
};

/** Columns in depth order, each ordered by the mean row of its callers (fewer crossings). */
const columnsOf = (nodes, edges, depth) => {
  const byDepth = new Map();
  for (const n of [...nodes].sort()) {
    const d = depth.get(n) ?? 0;
    byDepth.set(d, [...(byDepth.get(d) ?? []), n]);
  }
  const columns = [...byDepth.keys()].sort((a, b) => a - b).map((d) => byDepth.get(d));
  const row = new Map();
  columns.forEach((column, c) => {
    if (c > 0) {
      const mean = (n) => {
        const callers = edges.filter((e) => e.to === n && row.has(e.from)).map((e) => row.get(e.from));
        return callers.length ? callers.reduce((a, b) => a + b, 0) / callers.length : Infinity;
      };
      column.sort((a, b) => mean(a) - mean(b) || a.localeCompare(b));
    }
    column.forEach((n, i) => row.set(n, i));
  });
  return columns;
};

/**
 * `measure(text, kind)` → { width, height } of a node name (kind 'node') or an edge label ('edge').
 * Returns boxes, edges with their label boxes (top-left x, y), and the drawing's size.
 */
export const layoutGraph = (state, measure, labelOf) => {
  const depth = depths(state.nodes, state.edges);
  const columns = columnsOf(state.nodes, state.edges, depth);
  const columnOf = new Map();
  columns.forEach((column, c) => column.forEach((n) => columnOf.set(n, c)));
  const colWidth = columns.map((column) =>
    Math.max(...column.map((n) => measure(n, 'node').width + 2 * BOX_PAD_X)),
  );
  const drawn = state.edges.filter((e) => columnOf.has(e.from) && columnOf.has(e.to));
  const labels = drawn.map((e) => {
    const text = labelOf(e);
    const size = measure(text, 'edge');
    const [a, b] = [columnOf.get(e.from), columnOf.get(e.to)];
    // the gap right of the leftmost end (an edge within one column uses the gap right of it)
    return { e, text, width: size.width, height: size.height, gap: Math.min(a, b) };
  });
  const gapWidth = columns.map((_, g) =>
    Math.max(MIN_GAP, ...labels.filter((l) => l.gap === g).map((l) => l.width + 2 * GAP_PAD)),
  );
  const colX = [];
  columns.forEach((_, c) => colX.push(c === 0 ? MARGIN : colX[c - 1] + colWidth[c - 1] + gapWidth[c - 1]));
  // Shorter columns are centred on the tallest, so a fan-out spreads evenly above and below.
  const tallest = Math.max(...columns.map((column) => column.length));
  const boxes = new Map();
  columns.forEach((column, c) => {
    const top = MARGIN + ((tallest - column.length) * ROW_PITCH) / 2;
    column.forEach((n, i) =>
      boxes.set(n, { name: n, x: colX[c], y: top + i * ROW_PITCH, width: colWidth[c], height: BOX_HEIGHT }),
    );
  });
  const edges = labels.map((l) => {
    const from = boxes.get(l.e.from);
    const to = boxes.get(l.e.to);
    const forward = from.x < to.x;
    const x1 = forward ? from.x + from.width : from.x;
    const x2 = forward ? to.x : to.x + to.width;
    const y1 = from.y + BOX_HEIGHT / 2;
    const y2 = to.y + BOX_HEIGHT / 2;
    const cx = colX[l.gap] + colWidth[l.gap] + gapWidth[l.gap] / 2;
    const t = x2 === x1 ? 0.5 : (cx - x1) / (x2 - x1);
    const onLine = y1 + t * (y2 - y1);
    return {
      edge: l.e,
      x1,
      y1,
      x2,
      y2,
      anchor: { x: cx, y: onLine },
      label: {
        text: l.text,
        x: cx - l.width / 2,
        y: onLine - l.height - 2,
        width: l.width,
        height: l.height,
      },
    };
  });
  // Per gap, top to bottom: a label that would overlap the one above moves down below it; then
  // the gap's labels move back up together by their mean displacement (never above the top), so
  // a crowded group stays centred on its edges, and a last pass restores the spacing.
  const stack = (inGap) => {
    let bottom = -Infinity;
    for (const d of inGap) {
      d.label.y = Math.max(d.label.y, bottom + LABEL_SPACING, 2);
      bottom = d.label.y + d.label.height;
    }
  };
  for (let g = 0; g < columns.length; g++) {
    const inGap = edges.filter((_, i) => labels[i].gap === g).sort((a, b) => a.label.y - b.label.y);
    const wanted = inGap.map((d) => d.label.y);
    stack(inGap);
    const shift = inGap.reduce((n, d, i) => n + d.label.y - wanted[i], 0) / (inGap.length || 1);
    for (const d of inGap) d.label.y -= shift;
    stack(inGap);
  }
  const all = [...boxes.values()];
  const width =
    Math.max(...all.map((b) => b.x + b.width), ...edges.map((d) => d.label.x + d.label.width), 0) + MARGIN;
  const height =
    Math.max(...all.map((b) => b.y + b.height), ...edges.map((d) => d.label.y + d.label.height), 0) + MARGIN;
  return { boxes: all, edges, width, height };
};

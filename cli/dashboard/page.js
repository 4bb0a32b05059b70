// The dashboard page: polls /api/state every second and redraws the service graph (columns by
// call depth), the TrafficSplit table (weights and observed shares) and the fault experiments.
/* global document, fetch */
'use strict';

const SVG = 'http://www.w3.org/2000/svg';
const pct = (x) => (x === null || x === undefined ? '–' : `${(100 * x).toFixed(1)}%`);
const ms = (s) => (s === null || s === undefined ? '–' : `${(s * 1000).toFixed(1)} ms`);
const el = (tag, attrs = {}, text) => {
  const e =
    tag === 'svg' || ['g', 'rect', 'line', 'text', 'defs', 'marker', 'path'].includes(tag)
      ? document.createElementNS(SVG, tag)
      : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
};

// Column of a node = length of the longest call chain reaching it (callers left, callees right).
const layout = (state) => {
  const depth = new Map(state.nodes.map((n) => [n, 0]));
  for (let i = 0; i < state.nodes.length; i++)
    for (const e of state.edges)
      depth.set(e.to, Math.max(depth.get(e.to) ?? 0, (depth.get(e.from) ?? 0) + 1));
  const columns = new Map();
  for (const n of state.nodes) {
    const d = depth.get(n) ?? 0;
    columns.set(d, [...(columns.get(d) ?? []), n]);
  }
  const pos = new Map();
  for (const [d, names] of columns) names.forEach((n, i) => pos.set(n, { x: 90 + d * 200, y: 40 + i * 70 }));
  return pos;
};

const drawGraph = (state) => {
  const svg = document.getElementById('graph');
  svg.replaceChildren();
  const defs = el('defs');
  const marker = el('marker', {
    id: 'arrow',
    viewBox: '0 0 10 10',
    refX: 10,
    refY: 5,
    markerWidth: 7,
    markerHeight: 7,
    orient: 'auto',
  });
  marker.append(el('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#8aa' }));
  defs.append(marker);
  svg.append(defs);
  const pos = layout(state);
  for (const e of state.edges) {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    if (!a || !b) continue;
    const bad = e.success !== null && e.success < 0.99;
    const g = el('g', { class: `edge ${e.kind}${bad ? ' bad' : ''}`, 'data-from': e.from, 'data-to': e.to });
    g.append(el('line', { x1: a.x + 75, y1: a.y, x2: b.x - 75, y2: b.y }));
    const label = `${e.rps.toFixed(1)} rps · ${pct(e.success)} · p99 ${ms(e.p99)}`;
    g.append(el('text', { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 - 6 }, label));
    svg.append(g);
  }
  for (const n of state.nodes) {
    const p = pos.get(n);
    const g = el('g', { class: 'node', 'data-node': n });
    g.append(el('rect', { x: p.x - 75, y: p.y - 16, width: 150, height: 32 }));
    g.append(el('text', { x: p.x, y: p.y }, n));
    svg.append(g);
  }
  const height = Math.max(...[...pos.values()].map((p) => p.y), 0) + 60;
  svg.setAttribute('height', String(Math.max(height, 120)));
};

/** The section's container, or undefined (after showing "none") when there is nothing to list. */
const sectionBox = (id, empty) => {
  const box = document.getElementById(id);
  box.className = empty ? 'empty' : '';
  if (!empty) return box;
  box.replaceChildren('none');
  return undefined;
};

const drawSplits = (state) => {
  const box = sectionBox('splits', state.splits.length === 0);
  if (!box) return;
  const tables = state.splits.map((s) => {
    const t = el('table', { 'data-split': s.service });
    t.append(el('caption', {}, `${s.service} (TrafficSplit ${s.name})`));
    const head = el('tr');
    for (const h of ['backend', 'weight', 'configured', 'observed', '']) head.append(el('th', {}, h));
    t.append(head);
    for (const b of s.backends) {
      const tr = el('tr', { 'data-backend': b.service });
      tr.append(el('td', {}, b.service), el('td', { class: 'weight' }, String(b.weight)));
      tr.append(
        el('td', { class: 'configured' }, pct(b.weightShare)),
        el('td', { class: 'observed' }, pct(b.observedShare)),
      );
      const bar = el('td');
      bar.append(el('span', { class: 'bar', style: `width:${Math.round(200 * (b.observedShare ?? 0))}px` }));
      tr.append(bar);
      t.append(tr);
    }
    return t;
  });
  box.replaceChildren(...tables);
};

const drawFaults = (state) => {
  const box = sectionBox('faults', state.faults.length === 0);
  if (!box) return;
  const t = el('table');
  const head = el('tr');
  for (const h of ['fault', 'target', 'state', 'started', 'ends']) head.append(el('th', {}, h));
  t.append(head);
  for (const f of state.faults) {
    const tr = el('tr', { 'data-fault': f.name });
    for (const v of [f.name, f.target, f.state, f.startTime ?? '', f.endTime ?? ''])
      tr.append(el('td', {}, v));
    t.append(tr);
  }
  box.replaceChildren(t);
};

const refresh = async () => {
  try {
    const res = await fetch('/api/state');
    if (res.ok) {
      const state = await res.json();
      drawGraph(state);
      drawSplits(state);
      drawFaults(state);
      document.getElementById('updated').textContent = `updated ${state.at}`;
    }
  } catch {
    document.getElementById('updated').textContent = 'dashboard server unreachable; retrying';
  }
  setTimeout(refresh, 1000);
};
refresh();

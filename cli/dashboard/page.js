// The dashboard page: polls /api/state every second and redraws the service graph (laid out by
// layout.js), small charts of the last minutes per service and per edge, the TrafficSplit table
// (weights, observed shares and their history) and the fault experiments.
/* global document, fetch */
import { lineChart } from './charts.js';
import { edgeLabel, layoutGraph } from './layout.js';

const SVG = 'http://www.w3.org/2000/svg';
const pct = (x) => (x === null || x === undefined ? '–' : `${(100 * x).toFixed(1)}%`);
const ms = (s) => (s === null || s === undefined ? '–' : `${(s * 1000).toFixed(1)} ms`);
const el = (tag, attrs = {}, text) => {
  const e = ['svg', 'g', 'rect', 'line', 'text', 'title', 'defs', 'marker', 'path'].includes(tag)
    ? document.createElementNS(SVG, tag)
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
};

/** Width and height of a text as the page renders it, from a throw-away element in the graph. */
const measurer = (svg) => {
  const cache = new Map();
  return (text, kind) => {
    const key = `${kind}\n${text}`;
    if (!cache.has(key)) {
      const probe = el('g', { class: kind === 'node' ? 'node' : 'edge' });
      probe.append(el('text', {}, text));
      svg.append(probe);
      const box = probe.getBBox();
      probe.remove();
      cache.set(key, { width: Math.ceil(box.width), height: Math.ceil(box.height) });
    }
    return cache.get(key);
  };
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
  const layout = layoutGraph(state, measurer(svg), (e) => edgeLabel(e, pct, ms));
  for (const d of layout.edges) {
    const e = d.edge;
    const bad = e.success !== null && e.success < 0.99;
    const g = el('g', { class: `edge ${e.kind}${bad ? ' bad' : ''}`, 'data-from': e.from, 'data-to': e.to });
    // hovering an edge or its label names both ends (labels of a crowded gap sit apart from their lines)
    g.append(el('title', {}, `${e.from} → ${e.to}: ${d.label.text}`));
    g.append(el('line', { x1: d.x1, y1: d.y1, x2: d.x2, y2: d.y2 }));
    const l = d.label;
    // a label pushed off its line keeps a thin leader back to it
    if (l.y + l.height + 2 < d.anchor.y - 4 || l.y > d.anchor.y)
      g.append(
        el('line', {
          class: 'leader',
          x1: d.anchor.x,
          y1: d.anchor.y,
          x2: d.anchor.x,
          y2: l.y > d.anchor.y ? l.y : l.y + l.height,
        }),
      );
    g.append(el('rect', { class: 'label-bg', x: l.x - 2, y: l.y, width: l.width + 4, height: l.height }));
    g.append(el('text', { class: 'label', x: l.x + l.width / 2, y: l.y + l.height / 2 }, l.text));
    svg.append(g);
  }
  for (const b of layout.boxes) {
    const g = el('g', { class: 'node', 'data-node': b.name });
    g.append(el('rect', { x: b.x, y: b.y, width: b.width, height: b.height }));
    g.append(el('text', { x: b.x + b.width / 2, y: b.y + b.height / 2 }, b.name));
    svg.append(g);
  }
  svg.setAttribute('width', String(Math.max(layout.width, 200)));
  svg.setAttribute('height', String(Math.max(layout.height, 80)));
};

/** The three charts of a service or an edge: req/s, success rate, p99 over the history. */
const figureCharts = (kind, key, history, now) => {
  const series = (f) => history.map((p) => (p[kind][key] ? f(p[kind][key]) : null));
  const card = el('div', { class: 'card', [`data-${kind === 'services' ? 'service' : 'edge'}`]: key });
  card.append(el('div', { class: 'card-title' }, key));
  const row = (name, text, chart) => {
    const cell = el('div', { class: 'figure' });
    cell.append(
      el('span', { class: 'figure-name' }, name),
      el('span', { class: 'figure-value' }, text),
      chart,
    );
    return cell;
  };
  card.append(
    row(
      'req/s',
      now ? now.rps.toFixed(1) : '–',
      lineChart(
        `${key} rps`,
        series((f) => f.rps),
      ),
    ),
    row(
      'success',
      pct(now?.success),
      lineChart(
        `${key} success`,
        series((f) => f.success),
        { max: 1 },
      ),
    ),
    row(
      'p99',
      ms(now?.p99),
      lineChart(
        `${key} p99`,
        series((f) => f.p99),
      ),
    ),
  );
  return card;
};

const drawCards = (id, kind, entries, history) => {
  const box = sectionBox(id, entries.length === 0);
  if (!box) return;
  box.className = 'cards';
  box.replaceChildren(...entries.map(([key, now]) => figureCharts(kind, key, history, now)));
};

/** The section's container, or undefined (after showing "none") when there is nothing to list. */
const sectionBox = (id, empty) => {
  const box = document.getElementById(id);
  box.className = empty ? 'empty' : '';
  if (!empty) return box;
  box.replaceChildren('none');
  return undefined;
};

const drawSplits = (state, history) => {
  const box = sectionBox('splits', state.splits.length === 0);
  if (!box) return;
  const tables = state.splits.map((s) => {
    const t = el('table', { 'data-split': s.service });
    t.append(el('caption', {}, `${s.service} (TrafficSplit ${s.name})`));
    const head = el('tr');
    for (const h of ['backend', 'weight', 'configured', 'observed', '', 'observed vs weight, last 5 min'])
      head.append(el('th', {}, h));
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
      const key = `${s.service} → ${b.service}`;
      const share = (f) => history.map((p) => (p.backends[key] ? f(p.backends[key]) : null));
      const chart = el('td');
      chart.append(
        lineChart(
          `${key} share`,
          share((x) => x.observed),
          { max: 1, reference: share((x) => x.weight) },
        ),
      );
      tr.append(chart);
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
      drawCards(
        'services',
        'services',
        state.services.map((x) => [x.name, x]),
        state.history,
      );
      drawCards(
        'edges',
        'edges',
        state.edges.map((e) => [`${e.from} → ${e.to}`, e]),
        state.history,
      );
      drawSplits(state, state.history);
      drawFaults(state);
      document.getElementById('updated').textContent = `updated ${state.at}`;
    }
  } catch {
    document.getElementById('updated').textContent = 'dashboard server unreachable; retrying';
  }
  setTimeout(refresh, 1000);
};
refresh();

// Small time-series charts (inline SVG, no library to ship): one line over the history's points,
// optionally a dashed reference line (a split backend's configured weight). Each chart carries
// its plotted values in data-values so a test can read what the page draws.
/* global document */

const SVG = 'http://www.w3.org/2000/svg';
export const CHART_WIDTH = 160;
export const CHART_HEIGHT = 36;

const svgEl = (tag, attrs) => {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
};

/** "x,y x,y …" for values (null = gap, drawn as the previous value's absence) on a fixed scale. */
const points = (values, max, count) => {
  const step = count > 1 ? CHART_WIDTH / (count - 1) : 0;
  const y = (v) => CHART_HEIGHT - 2 - (Math.min(v, max) / max) * (CHART_HEIGHT - 4);
  return values
    .map((v, i) => (v === null || v === undefined ? null : `${(i * step).toFixed(1)},${y(v).toFixed(1)}`))
    .filter((p) => p !== null)
    .join(' ');
};

/**
 * One chart: `values` oldest first; `max` fixes the scale (1 for rates and shares) or, when
 * absent, follows the largest value; `reference` is drawn dashed behind the line.
 */
export const lineChart = (id, values, { max, reference } = {}) => {
  const known = values.filter((v) => v !== null && v !== undefined);
  const top = max ?? Math.max(...known, ...(reference ?? []).filter((v) => v !== null), 1e-9) * 1.1;
  const svg = svgEl('svg', {
    class: 'chart',
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    viewBox: `0 0 ${CHART_WIDTH} ${CHART_HEIGHT}`,
    'data-chart': id,
    'data-values': JSON.stringify(
      values.map((v) => (v === null || v === undefined ? null : +v.toPrecision(4))),
    ),
  });
  if (reference)
    svg.append(svgEl('polyline', { class: 'reference', points: points(reference, top, values.length) }));
  svg.append(svgEl('polyline', { class: 'series', points: points(values, top, values.length) }));
  return svg;
};

// The daily dose range of one patient band against body weight, as SVG. Every line is computed from the band's
// amounts (mg/kg/day lines rise with weight, mg/day lines are flat, the maximum is the lowest of all its limits, so
// it bends where a mg/kg limit meets a mg cap). Each drawn line carries its points in data-points (weight:dose), so
// a test can read exactly what is drawn.
import { h, s, uid } from './dom.js';
import { num, unit } from './format.js';
import { weightInterval, dailyAt, maximumAt, massUnit } from './dosing.js';

const W = 640;
const H = 300;
const M = { left: 56, right: 16, top: 16, bottom: 44 };

/**
 * Weights where a line may bend: the interval ends, and where a per-kg amount crosses a fixed limit (the maximum is
 * the lowest of its limits, and no other line is drawn above the maximum).
 */
function breakpoints(band, lo, hi) {
  const xs = new Set([lo, hi]);
  const amounts = Object.values(band.roles).flatMap((r) => r.statements.map((st) => st.amount)).filter(Boolean);
  const limits = amounts.filter((a) => a.limit);
  for (const a of amounts) for (const b of limits) {
    if (!a.perKg || b.perKg) continue;
    for (const perKg of [a.value, a.high].filter((v) => v > 0)) {
      const x = b.value / perKg;
      if (x > lo && x < hi) xs.add(x);
    }
  }
  return [...xs].sort((a, b) => a - b);
}

function niceStep(max) {
  const raw = max / 5;
  const power = 10 ** Math.floor(Math.log10(raw || 1));
  const n = raw / power;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * power;
}

/** The weight axis shared by all charts of a medicine: 0 to half again the largest weight bound the bands name. */
export function weightAxis(bands) {
  const bounds = bands.flatMap((b) => { const i = weightInterval(b); return [i.low, i.high]; }).filter((v) => v !== null);
  const top = bounds.length ? Math.max(...bounds) * 1.5 : 100;
  const step = niceStep(top);
  return { min: 0, max: Math.ceil(top / step) * step, step };
}

/**
 * Series of a band over its weight interval: {role, label, points: [[kg, mg]]}. Roles without a number are left out.
 */
export function bandSeries(band, axis) {
  const interval = weightInterval(band);
  const lo = interval.low !== null ? interval.low : axis.min;
  const hi = interval.high !== null ? interval.high : axis.max;
  if (hi <= lo) return { lo, hi, series: [] };
  const xs = breakpoints(band, lo, hi);
  const series = [];
  // One line per statement (a role may state alternatives, or the same dose in mg/kg/day and in mg/day), the same
  // statement once; a start or target above the maximum at some weight is drawn at the maximum there.
  const cap = (x, v) => { const max = maximumAt(band, x); return max === null ? v : Math.min(v, max); };
  for (const role of ['starting-dose', 'target-dose']) {
    const seen = new Set();
    for (const st of (band.roles[role] || {}).statements || []) {
      const a = st.amount;
      if (!a || a.limit) continue;
      const key = `${a.value}|${a.high}|${a.perKg}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const label = `${band.roles[role].label || role} (${num(a.value)}${a.high !== undefined ? ' to ' + num(a.high) : ''} ${unit(a.code)})`;
      const variant = seen.size - 1;
      series.push({ role, label, variant, points: xs.map((x) => [x, cap(x, dailyAt(a, x))]) });
      if (a.high !== undefined) {
        series.push({ role: `${role}-high`, label: `${label}, upper end`, variant, points: xs.map((x) => [x, cap(x, a.perKg ? a.high * x : a.high)]) });
      }
    }
  }
  const max = xs.map((x) => [x, maximumAt(band, x)]);
  if (max.every(([, v]) => v !== null)) series.push({ role: 'maximum-dose', label: 'Maximum dose', points: max });
  return { lo, hi, series };
}

// A second statement of the same role is told apart by its dash pattern as well as by its legend.
const dashOf = (sr) => (sr.variant ? ['10 4 2 4', '1 3'][(sr.variant - 1) % 2] : STYLE[sr.role].dash);

const STYLE = {
  'starting-dose': { cls: 'line-start', dash: '6 4' },
  'starting-dose-high': { cls: 'line-start', dash: '2 3' },
  'target-dose': { cls: 'line-target', dash: null },
  'target-dose-high': { cls: 'line-target', dash: '2 3' },
  'maximum-dose': { cls: 'line-max', dash: null },
};

/** A <figure> with the chart, a legend, and the same numbers as a table for people who do not see the chart. */
export function doseChart(band, axis, caption) {
  const { lo, hi, series } = bandSeries(band, axis);
  if (!series.length) return null;
  const unitMass = massUnit(band) || 'mg';
  const yTop = Math.max(...series.flatMap((sr) => sr.points.map(([, y]) => y))) * 1.1 || 1;
  const yStep = niceStep(yTop);
  const yMax = Math.ceil(yTop / yStep) * yStep;
  const px = (x) => M.left + ((x - axis.min) / (axis.max - axis.min)) * (W - M.left - M.right);
  const py = (y) => H - M.bottom - (y / yMax) * (H - M.top - M.bottom);
  const titleId = uid('chart-title');
  const descId = uid('chart-desc');

  const grid = [];
  for (let y = 0; y <= yMax + 1e-9; y += yStep) {
    grid.push(s('line', { x1: M.left, x2: W - M.right, y1: py(y), y2: py(y), class: 'gridline' }));
    grid.push(s('text', { x: M.left - 6, y: py(y) + 4, 'text-anchor': 'end', class: 'tick' }, num(y)));
  }
  for (let x = axis.min; x <= axis.max + 1e-9; x += axis.step) {
    grid.push(s('line', { x1: px(x), x2: px(x), y1: M.top, y2: H - M.bottom, class: 'gridline' }));
    grid.push(s('text', { x: px(x), y: H - M.bottom + 16, 'text-anchor': 'middle', class: 'tick' }, num(x)));
  }
  // The shaded range: from the lowest starting dose to the maximum.
  const starts = series.filter((sr) => sr.role === 'starting-dose');
  const low = starts.length ? { points: starts[0].points.map(([x], i) => [x, Math.min(...starts.map((sr) => sr.points[i][1]))]) } : null;
  const top = series.find((sr) => sr.role === 'maximum-dose');
  const area = low && top
    ? s('polygon', { class: 'range', points: [...low.points, ...[...top.points].reverse()].map(([x, y]) => `${px(x)},${py(y)}`).join(' ') })
    : null;
  const lines = series.map((sr) => s('polyline', {
    class: `series ${STYLE[sr.role].cls}`,
    'stroke-dasharray': dashOf(sr),
    points: sr.points.map(([x, y]) => `${px(x)},${py(y)}`).join(' '),
    dataset: { role: sr.role, points: sr.points.map(([x, y]) => `${num(x)}:${num(y)}`).join(' ') },
  }));
  const description = series.map((sr) => `${sr.label}: ${sr.points.map(([x, y]) => `${num(y)} ${unitMass}/day at ${num(x)} kg`).join(', ')}`).join('. ');

  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': `${titleId} ${descId}`, class: 'dose-chart', dataset: { band: band.id } },
    s('title', { id: titleId }, `Daily dose against body weight, ${caption}`),
    s('desc', { id: descId }, description),
    grid,
    s('line', { x1: px(lo), x2: px(lo), y1: M.top, y2: H - M.bottom, class: 'band-edge' }),
    s('line', { x1: px(hi), x2: px(hi), y1: M.top, y2: H - M.bottom, class: 'band-edge' }),
    area, lines,
    s('text', { x: (M.left + W - M.right) / 2, y: H - 6, 'text-anchor': 'middle', class: 'axis-label' }, 'Body weight (kg)'),
    s('text', { x: 14, y: (M.top + H - M.bottom) / 2, 'text-anchor': 'middle', class: 'axis-label', transform: `rotate(-90 14 ${(M.top + H - M.bottom) / 2})` }, `Daily dose (${unitMass}/day)`));

  const legend = h('ul', { class: 'legend' }, series.map((sr) => h('li', null,
    s('svg', { width: 28, height: 10, 'aria-hidden': 'true' }, s('line', { x1: 0, x2: 28, y1: 5, y2: 5, class: `series ${STYLE[sr.role].cls}`, 'stroke-dasharray': dashOf(sr) })),
    ` ${sr.label}`)));

  const weights = [...new Set(series.flatMap((sr) => sr.points.map(([x]) => x)))].sort((a, b) => a - b);
  const table = h('table', { class: 'chart-values' },
    h('caption', null, `Daily dose (${unitMass}/day) at the weights where the lines start, end or bend`),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Weight (kg)'), series.map((sr) => h('th', { scope: 'col' }, sr.label)))),
    h('tbody', null, weights.map((x) => h('tr', null, h('th', { scope: 'row' }, num(x)),
      series.map((sr) => { const p = sr.points.find(([px2]) => px2 === x); return h('td', null, p ? num(p[1]) : ''); })))));

  return h('figure', { class: 'chart', dataset: { band: band.id } },
    h('figcaption', null, caption),
    svg, legend,
    h('details', { class: 'chart-table' }, h('summary', null, 'The numbers of this chart'), table));
}

export { dailyAt };

// charts.mjs — small inline-SVG charts built with DOM calls only (no innerHTML, no inline
// styles: the dashboard's Content-Security-Policy allows neither). Every label is textContent.

const NS = 'http://www.w3.org/2000/svg';

function el(name, attrs = {}, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = String(text);
  return e;
}

function frame(container, width, height, label) {
  container.replaceChildren();
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label });
  container.append(svg);
  return svg;
}

function empty(svg, width, height) {
  svg.append(el('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'empty' }, 'No ratings yet'));
}

/** Vertical bars: items [{label, value, color?, title?}]. */
export function barChart(container, items, { label = 'Bar chart', height = 200, color = '#2f6feb' } = {}) {
  const width = 420, top = 16, bottom = 28, left = 28;
  const svg = frame(container, width, height, label);
  const max = Math.max(0, ...items.map((i) => i.value));
  if (!items.length || max === 0) return empty(svg, width, height);
  const plotH = height - top - bottom;
  const slot = (width - left) / items.length;
  const barW = Math.min(48, slot * 0.7);
  svg.append(el('line', { x1: left, y1: top + plotH, x2: width, y2: top + plotH, class: 'axis' }));
  items.forEach((item, i) => {
    const h = max ? (item.value / max) * plotH : 0;
    const x = left + i * slot + (slot - barW) / 2;
    const y = top + plotH - h;
    const rect = el('rect', { x, y, width: barW, height: Math.max(h, item.value ? 1 : 0), rx: 3, fill: item.color || color });
    rect.append(el('title', {}, item.title ?? `${item.label}: ${item.value}`));
    svg.append(rect);
    svg.append(el('text', { x: x + barW / 2, y: y - 4, 'text-anchor': 'middle' }, item.value));
    svg.append(el('text', { x: x + barW / 2, y: height - 10, 'text-anchor': 'middle' }, item.label));
  });
}

/** Horizontal bars sorted by value: items [{label, value}]. */
export function hbarChart(container, items, { label = 'Bar chart', color = '#b7791f' } = {}) {
  const width = 420, row = 26, left = 130, right = 40;
  const shown = [...items].sort((a, b) => b.value - a.value).slice(0, 12);
  const height = Math.max(80, shown.length * row + 10);
  const svg = frame(container, width, height, label);
  const max = Math.max(0, ...shown.map((i) => i.value));
  if (!shown.length || max === 0) return empty(svg, width, height);
  shown.forEach((item, i) => {
    const y = 6 + i * row;
    const w = ((width - left - right) * item.value) / max;
    const name = item.label.length > 20 ? item.label.slice(0, 19) + '…' : item.label;
    svg.append(el('text', { x: left - 8, y: y + 15, 'text-anchor': 'end' }, name));
    const rect = el('rect', { x: left, y, width: Math.max(w, 1), height: row - 8, rx: 3, fill: color });
    rect.append(el('title', {}, `${item.label}: ${item.value}`));
    svg.append(rect);
    svg.append(el('text', { x: left + w + 6, y: y + 15 }, item.value));
  });
}

/** Bars (responses per day) with a CSAT line (0–100 %) on top: days [{day, count, csat}]. */
export function trendChart(container, days, { label = 'Responses and CSAT by day' } = {}) {
  const width = 860, height = 220, top = 18, bottom = 30, left = 36, right = 40;
  const svg = frame(container, width, height, label);
  const max = Math.max(0, ...days.map((d) => d.count));
  if (!days.length || max === 0) return empty(svg, width, height);
  const plotH = height - top - bottom, plotW = width - left - right;
  const slot = plotW / days.length;
  const barW = Math.max(2, Math.min(28, slot * 0.7));
  svg.append(el('line', { x1: left, y1: top + plotH, x2: left + plotW, y2: top + plotH, class: 'axis' }));
  svg.append(el('text', { x: left - 6, y: top + 4, 'text-anchor': 'end' }, max));
  svg.append(el('text', { x: width - right + 6, y: top + 4 }, '100%'));
  svg.append(el('text', { x: width - right + 6, y: top + plotH }, '0%'));
  const points = [];
  const every = Math.ceil(days.length / 10);
  days.forEach((d, i) => {
    const cx = left + i * slot + slot / 2;
    const h = (d.count / max) * plotH;
    const rect = el('rect', { x: cx - barW / 2, y: top + plotH - h, width: barW, height: h, rx: 2, fill: '#c9d8fb' });
    const csat = d.csat === null || d.csat === undefined ? 'n/a' : `${Math.round(d.csat * 100)}%`;
    rect.append(el('title', {}, `${d.day}: ${d.count} ratings, CSAT ${csat}`));
    svg.append(rect);
    if (i % every === 0) svg.append(el('text', { x: cx, y: height - 10, 'text-anchor': 'middle' }, d.day.slice(5)));
    if (d.csat !== null && d.csat !== undefined) points.push([cx, top + plotH - d.csat * plotH, d]);
  });
  if (points.length) {
    svg.append(el('polyline', { points: points.map(([x, y]) => `${x},${y}`).join(' '), fill: 'none', stroke: '#1a7f4b', 'stroke-width': 2 }));
    for (const [x, y, d] of points) {
      const c = el('circle', { cx: x, cy: y, r: 3.5, fill: '#1a7f4b' });
      c.append(el('title', {}, `${d.day}: CSAT ${Math.round(d.csat * 100)}%`));
      svg.append(c);
    }
  }
}

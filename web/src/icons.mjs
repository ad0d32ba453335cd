// icons.mjs — inline SVG for the three scales (no fonts, no images), built with DOM calls.
const NS = 'http://www.w3.org/2000/svg';

function el(name, attrs) {
  const e = document.createElementNS(NS, name);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  return e;
}

function svg(...children) {
  const s = el('svg', { viewBox: '0 0 24 24', 'aria-hidden': 'true', focusable: 'false' });
  s.append(...children);
  return s;
}

const STAR = 'M12 2.8l2.8 5.8 6.3.9-4.6 4.4 1.1 6.3L12 17.2l-5.6 3 1.1-6.3-4.6-4.4 6.3-.9z';
const THUMB = 'M3 10h3.5v10H3zM9 10l3.6-7c1.4 0 2.6 1.1 2.6 2.6V9h4.6a1.9 1.9 0 0 1 1.9 2.2l-1.3 7.2a1.9 1.9 0 0 1-1.9 1.6H9z';
const MOUTHS = ['M8 17q4-4.2 8 0', 'M8.5 16.2q3.5-2.6 7 0', 'M8.5 15.5h7', 'M8.5 14.5q3.5 2.6 7 0', 'M8 14q4 4.6 8 0'];

/** The picture for option `value` (index `i`) of a scale. */
export function icon(scale, value, i) {
  if (scale === 'stars') return svg(el('path', { d: STAR }));
  if (scale === 'thumbs') {
    const p = el('path', { d: THUMB });
    if (value === 0) p.setAttribute('transform', 'rotate(180 12 12)');
    return svg(p);
  }
  return svg(
    el('circle', { cx: 12, cy: 12, r: 9.5 }),
    el('circle', { class: 'dot', cx: 9, cy: 10, r: 1.2 }),
    el('circle', { class: 'dot', cx: 15, cy: 10, r: 1.2 }),
    el('path', { d: MOUTHS[Math.max(0, Math.min(4, i))] }),
  );
}

/** The close button's cross. */
export function cross() {
  return svg(el('path', { d: 'M6 6l12 12M18 6L6 18' }));
}

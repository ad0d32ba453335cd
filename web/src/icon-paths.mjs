// icon-paths.mjs — build time only (web/build.mjs): the scales' pictures as CSS clip-path shapes.
//
// The icons were inline SVG built with DOM calls; creating SVG elements from JS makes the
// browser build the bindings of the whole SVG element chain (SVGSVGElement, SVGGraphicsElement,
// SVGElement, SVGPathElement, SVGGeometryElement...): +32 KB of JS heap on the page
// (docs/benchmarks.md). Now each icon is a <span class="ic …"> painted with `currentColor` and
// cut out by `clip-path: path(…)`: no SVG element, no image (CSP img-src 'none' is fine: a
// clip-path path is not a resource), no font.
//
// The shapes are the former SVG's (24×24 view box, stroke 1.6 with round joins and caps, or
// filled), turned into outlines here: a stroke is the polygon offset by ±half its width (round
// joins approximated by arc points, 45° apart), so an outline star is the ring between the +0.8 and −0.8
// offsets (the inner one reversed), a filled one the +0.8 offset alone. Drawn in a 24px box and scaled.

const STAR = [[12, 2.8], [14.8, 8.6], [21.1, 9.5], [16.5, 13.9], [17.6, 20.2], [12, 17.2], [6.4, 20.2], [7.5, 13.9], [2.9, 9.5], [9.2, 8.6]];
const MOUTHS = [[8, 17, 4, -4.2], [8.5, 16.2, 3.5, -2.6], [8.5, 15.5, 3.5, 0], [8.5, 14.5, 3.5, 2.6], [8, 14, 4, 4.6]]; // M x y q dx dy 2dx 0

const area = (p) => p.reduce((s, [x, y], i) => { const [u, v] = p[(i + 1) % p.length]; return s + x * v - u * y; }, 0) / 2;
const norm = ([x, y]) => { const l = Math.hypot(x, y); return [x / l, y / l]; };

// The polygon `p` (closed) offset outwards by `d` (inwards when negative): straight edges
// moved along their normals, meeting at their intersection where they cross, joined by an arc
// (round join) where they part.
function offset(p, d) {
  if (area(p) < 0) p = p.slice().reverse(); // counter-clockwise (y down: visually clockwise)
  const n = p.length;
  const out = [];
  for (let i = 0; i < n; i++) {
    const a = p[(i + n - 1) % n], b = p[i], c = p[(i + 1) % n];
    const e1 = norm([b[0] - a[0], b[1] - a[1]]), e2 = norm([c[0] - b[0], c[1] - b[1]]);
    const n1 = [e1[1], -e1[0]], n2 = [e2[1], -e2[0]]; // outward normals of a counter-clockwise polygon
    const turn = e1[0] * e2[1] - e1[1] * e2[0];        // > 0: convex vertex
    if (turn * d < 0 || Math.abs(turn) < 0.35 && e1[0] * e2[0] + e1[1] * e2[1] > 0) {
      // The offset edges cross: their intersection (a miter, never long at these angles); the
      // same where they part by less than 20° (a sampled curve): one point, not an arc.
      const m = norm([n1[0] + n2[0], n1[1] + n2[1]]);
      const k = d / (m[0] * n1[0] + m[1] * n1[1]);
      out.push([b[0] + m[0] * k, b[1] + m[1] * k]);
    } else {
      // They part: a round join from n1 to n2 around b, at most 45° a step.
      // The offset points are b + d·n1 and b + d·n2: the arc between them around b, the short
      // way (a half turn, the end of a stroke, goes round the outside: counter-clockwise).
      const t1 = Math.atan2(Math.sign(d) * n1[1], Math.sign(d) * n1[0]);
      let dt = Math.atan2(Math.sign(d) * n2[1], Math.sign(d) * n2[0]) - t1;
      while (dt <= -Math.PI + 1e-9) dt += 2 * Math.PI;
      while (dt > Math.PI + 1e-9) dt -= 2 * Math.PI;
      const steps = Math.max(1, Math.ceil(Math.abs(dt) / (Math.PI / 4) - 0.01));
      for (let s = 0; s <= steps; s++) {
        const t = t1 + dt * s / steps;
        out.push([b[0] + Math.cos(t) * Math.abs(d), b[1] + Math.sin(t) * Math.abs(d)]);
      }
    }
  }
  return out;
}

// An open polyline stroked with width 2·d and round caps: the thin polygon there and back, offset.
const stroke = (line, d) => offset([...line, ...line.slice(1, -1).reverse()], d);

const quad = ([x, y], [cx, cy], [ex, ey], k = 4) =>
  Array.from({ length: k + 1 }, (_, i) => { const t = i / k, u = 1 - t;
    return [u * u * x + 2 * u * t * cx + t * t * ex, u * u * y + 2 * u * t * cy + t * t * ey]; });
const cubic = ([x, y], [ax, ay], [bx, by], [ex, ey], k = 3) =>
  Array.from({ length: k + 1 }, (_, i) => { const t = i / k, u = 1 - t;
    return [u ** 3 * x + 3 * u * u * t * ax + 3 * u * t * t * bx + t ** 3 * ex, u ** 3 * y + 3 * u * u * t * ay + 3 * u * t * t * by + t ** 3 * ey]; });
const arc = ([cx, cy], r, from, to, k = 2) =>
  Array.from({ length: k + 1 }, (_, i) => { const t = from + (to - from) * i / k; return [cx + r * Math.cos(t), cy + r * Math.sin(t)]; });
const circle = (cx, cy, r, ccw) => { const f = `${r} ${r} 0 1 ${ccw ? 0 : 1}`; return `M${n(cx - r)} ${n(cy)}a${f} ${n(2 * r)} 0a${f} ${n(-2 * r)} 0z`; };

// The thumb: the cuff (a rectangle) and the hand (lines, a curve, two rounded corners).
const CUFF = [[3, 10], [6.5, 10], [6.5, 20], [3, 20]];
const HAND = [[9, 10], ...cubic([12.6, 3], [14, 3], [15.2, 4.1], [15.2, 5.6]), [15.2, 9],
  ...arc([19.8, 10.9], 1.9, -Math.PI / 2, 0.1), ...arc([18.5, 18.1], 1.9, 0.15, Math.PI / 2), [9, 20]];

const n = (v) => String(Math.round(v * 10) / 10).replace(/^(-?)0\./, '$1.');
const poly = (p, reverse) => {
  const q = (area(p) > 0) !== !!reverse ? p : p.slice().reverse();
  // Rounded to 0.1, then written as relative line-tos (short numbers; a '-' needs no space).
  const r = q.map(([x, y]) => [Math.round(x * 10), Math.round(y * 10)]).filter(([x, y], i, a) => !i || x !== a[i - 1][0] || y !== a[i - 1][1]);
  let out = `M${n(r[0][0] / 10)} ${n(r[0][1] / 10)}l`;
  let first = true;
  for (let i = 1; i < r.length; i++) for (const v of [r[i][0] - r[i - 1][0], r[i][1] - r[i - 1][1]]) {
    const t = n(v / 10);
    out += (first || t[0] === '-' ? '' : ' ') + t;
    first = false;
  }
  return out + 'z';
};
const ring = (p) => poly(offset(p, 0.8)) + poly(offset(p, -0.8), true);
// Non-zero fill (the default): rings are drawn with the inner outline the other way round.
const clip = (d) => `clip-path:path("${d}")`;

/** The CSS of the icons (appended to widget.css by web/build.mjs). */
export function iconCss() {
  const rules = [
    `.ic{display:block;width:24px;height:24px;background:currentColor;forced-color-adjust:none}`,
    `.opt .ic{scale:1.3333}`,
    `.ic.star{${clip(ring(STAR))}}`,
    `.stars .opt[data-on] .ic,.stars .opt:hover .ic,.stars .opt:has(~ .opt:hover) .ic{${clip(poly(offset(STAR, 0.8)))}}`,
    `.ic.th{${clip(ring(CUFF) + ring(HAND))}}`,
    `.thumbs .opt[aria-checked=true] .ic{${clip(poly(offset(CUFF, 0.8)) + poly(offset(HAND, 0.8)))}}`,
    `.ic.down{rotate:.5turn}`, // thumbs down: the thumb turned (was rotate(180 12 12))
    // Faces: the ring and the eyes on ::before, the mouth (one of five) on ::after.
    `.ic.f{position:relative;background:none}`,
    `.f::before,.f::after{content:"";position:absolute;inset:0;background:currentColor}`,
    `.f::before{${clip(circle(12, 12, 10.3) + circle(12, 12, 8.7, 1) + circle(9, 10, 1.2) + circle(15, 10, 1.2))}}`,
    ...MOUTHS.map(([x, y, dx, dy], i) =>
      `.f${i}::after{${clip(poly(stroke(quad([x, y], [x + dx, y + dy], [x + 2 * dx, y]), 0.8)))}}`),
    `.ic.x{width:18px;height:18px;${clip(poly(stroke([[4.5, 4.5], [13.5, 13.5]], 0.75)) + poly(stroke([[13.5, 4.5], [4.5, 13.5]], 0.75)))}}`,
  ];
  return rules.join('\n');
}

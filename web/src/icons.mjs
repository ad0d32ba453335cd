// icons.mjs — the pictures of the three scales and the close button: an empty <span class="ic …">
// each, drawn by the stylesheet (currentColor cut out by a clip-path shape, made at build time
// by icon-paths.mjs). No SVG elements (their bindings cost 32 KB of JS heap), no fonts, no images.

function ic(name) {
  const e = document.createElement('span');
  e.className = 'ic ' + name;
  return e;
}

/** The picture for option `value` (index `i`) of a scale. */
export function icon(scale, value, i) {
  if (scale === 'stars') return ic('star');
  if (scale === 'thumbs') return ic(value === 0 ? 'th down' : 'th');
  return ic('f f' + Math.max(0, Math.min(4, i)));
}

/** The close button's cross. */
export function cross() {
  return ic('x');
}

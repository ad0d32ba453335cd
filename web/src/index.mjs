// index.mjs — the ES module API (npm `session-rating`): mount(), the element class, define().
// Importing it does not register the element; import `session-rating/define` for that, or call
// define() (mount() does it by itself).
import { setDefaultWasmUrl } from './loading.mjs';

export { SessionRatingElement, define } from './element.mjs';
export { mount } from './api.mjs';

// Bundlers (Vite, webpack 5, Parcel, esbuild with the file loader) see this pattern and ship
// the .wasm next to the bundle.
setDefaultWasmUrl(new URL('./session-rating.wasm', import.meta.url).href);

/** The package version. */
export const version = __SR_VERSION__;

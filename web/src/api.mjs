// api.mjs — SessionRating.mount(): the JS way in.
import { SessionRatingElement, define } from './element.mjs';

/**
 * Mounts a rating widget. `target` is a <session-rating> element to drive, or a container to
 * put a new one in (popup mode: document.body when omitted). Returns a controller.
 */
export function mount(target, options = {}) {
  define();
  let el = target instanceof SessionRatingElement ? target : null;
  let created = false;
  if (!el) {
    el = document.createElement('session-rating');
    created = true;
    (target || document.body).append(el);
  }
  el.start(options);
  return {
    element: el,
    ready: el.ready,
    open: () => el.open(),
    close: () => el.close(),
    destroy: () => {
      el.destroy();
      if (created) el.remove();
    },
  };
}

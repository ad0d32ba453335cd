// listen.mjs — rating requests from the collector (docs/programme.md, "Server-Sent Events"):
// one EventSource per (endpoint, session, write key) on the page, shared by every widget that
// listens to it. EventSource reconnects by itself (sending Last-Event-ID, so the collector
// replays what was missed); there is no polling anywhere.

const streams = {};

/**
 * Calls fn(data) for each `rating-requested` event of `session`; returns the function that
 * stops listening (the stream closes once nobody listens to it).
 */
export function listen(endpoint, writeKey, session, fn) {
  // ".../v1/ratings?…" → ".../v1/sessions/{session}/events?key=…"
  const url = new URL(endpoint, document.baseURI);
  url.pathname = url.pathname.replace(/[^/]*$/, `sessions/${encodeURIComponent(session)}/events`);
  url.search = writeKey ? `?key=${encodeURIComponent(writeKey)}` : '';
  const s = (streams[url] ||= new Set());
  if (!s.es) {
    (s.es = new EventSource(url)).addEventListener('rating-requested', (e) => {
      let d;
      try { d = JSON.parse(e.data); } catch { return; }
      [...s].forEach((f) => f(d)); // a copy: a widget that starts over adds itself again
    });
  }
  s.add(fn);
  return () => {
    s.delete(fn);
    // Later, so that a widget starting over (same stream) keeps it open: nothing is missed.
    setTimeout(() => s.size || !s.es || (s.es.close(), (s.es = 0)));
  };
}

// The agent console of the support-site example (docs/programme.md, "Ask for rating"):
// - "Ask for rating": POST /v1/sessions/{id}/rating-requests {agent_id, channel: "chat"} with
//   the agent token (Authorization: Bearer; the token never goes in a URL);
// - the button is disabled while the collector's rule holds (one request per agent per
//   conversation within cooldown_days): GET …/rating-requests?agent_id= → can_request and
//   next_allowed_at ("Asked — you can ask again on <date>");
// - the thread shows the conversation's timeline (GET …/timeline): the request and the rating
//   received, as a positive / negative / neutral event.
// All text goes in through textContent.
(function () {
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  // A token handed over in the fragment is moved to this tab's sessionStorage and removed
  // from the address bar (and so from history and screenshots).
  const frag = new URLSearchParams(location.hash.slice(1));
  if (frag.get('token')) {
    sessionStorage.setItem('acme-agent-token', frag.get('token'));
    history.replaceState(null, '', location.pathname + location.search);
  }
  const state = {
    session: params.get('session') || '',
    agent: params.get('agent') || 'agent-ana',
    token: sessionStorage.getItem('acme-agent-token') || '',
  };
  const base = new URL('/v1/sessions/', location.href);
  const api = (path, init = {}) => fetch(new URL(`${encodeURIComponent(state.session)}/${path}`, base), {
    ...init,
    headers: { Authorization: `Bearer ${state.token}`, 'Content-Type': 'application/json' },
    cache: 'no-store',
  });
  const when = (ms) => new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  const time = (ms) => new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  const say = (text) => { $('ask-state').textContent = text; };
  const firstError = async (res) => {
    try { return (await res.json()).errors?.[0] || {}; } catch { return {}; }
  };

  function explain(res, err) {
    if (res.status === 401) return 'The agent token was not accepted.';
    if (err.code === 'insufficient_scope') return 'This token may not ask for ratings (it needs the agent scope).';
    if (err.code === 'ratings_disabled') return 'Ratings are switched off for this site.';
    if (err.code === 'channel_not_supported') return 'This channel cannot show a rating prompt.';
    return err.message || `The collector answered ${res.status}.`;
  }

  // The button: enabled, or disabled until the rule lets this agent ask again.
  async function refreshButton() {
    const ask = $('ask');
    if (!state.session || !state.token) {
      ask.disabled = true;
      say('Set the conversation id and the agent token.');
      return;
    }
    const res = await api(`rating-requests?agent_id=${encodeURIComponent(state.agent)}`);
    if (!res.ok) {
      ask.disabled = true;
      say(explain(res, await firstError(res)));
      return;
    }
    const r = await res.json();
    ask.disabled = !r.can_request;
    ask.textContent = r.can_request ? 'Ask for rating' : 'Rating requested';
    say(r.can_request ? (r.last_requested_at ? `Last asked ${when(r.last_requested_at)}.` : '')
      : `Asked ${when(r.last_requested_at)}; you can ask again on ${when(r.next_allowed_at)}.`);
  }

  // The thread: the sample messages, then one line per timeline event.
  async function refreshTimeline() {
    if (!state.session || !state.token) return;
    const res = await api('timeline');
    if (!res.ok) return;
    const { events } = await res.json();
    const thread = $('thread');
    for (const li of thread.querySelectorAll('.event')) li.remove();
    for (const e of events) thread.append(eventItem(e));
  }

  function eventItem(e) {
    const li = document.createElement('li');
    li.className = 'event';
    li.dataset.type = e.type;
    const label = document.createElement('strong');
    const detail = document.createElement('span');
    if (e.type === 'rating_requested') {
      label.textContent = 'Rating requested';
      detail.textContent = ` by ${e.agent_id} (${e.channel}) · ${time(e.at)}`;
    } else if (e.type === 'rating_received' || e.type === 'rating_changed') {
      li.classList.add(e.sentiment); // positive | negative | neutral
      label.textContent = `${e.type === 'rating_received' ? 'Rating received' : 'Rating changed'}: ${e.sentiment}`;
      const answers = (e.answers || []).map((a) => `${a.question} ${a.scale === 'thumbs' ? (a.score ? 'thumbs up' : 'thumbs down') : a.score}`);
      detail.textContent = ` · ${answers.join(', ')}${e.agent_id ? ` · for ${e.agent_id}` : ''} · ${time(e.at)}`;
    } else if (e.type === 'rating_finalised') {
      label.textContent = 'Rating final';
      detail.textContent = ` · revision ${e.revision} · ${time(e.at)}`;
    } else {
      label.textContent = e.type;
    }
    li.append(label, detail);
    return li;
  }

  async function refresh() {
    try {
      await Promise.all([refreshButton(), refreshTimeline()]);
    } catch (err) {
      say(`Could not reach the collector (${err.message}).`);
    }
  }

  async function askForRating() {
    const ask = $('ask');
    ask.disabled = true;
    try {
      const res = await api('rating-requests', { method: 'POST', body: JSON.stringify({ agent_id: state.agent, channel: 'chat' }) });
      if (res.status === 201) say('Asked: the visitor sees the rating prompt now.');
      else if (res.status === 409) {
        const body = await res.json().catch(() => ({}));
        say(`Already asked; you can ask again on ${when(body.next_allowed_at)}.`);
      } else say(explain(res, await firstError(res)));
    } catch (err) {
      say(`Could not reach the collector (${err.message}).`);
    }
    await refresh();
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('session').value = state.session;
    $('agent').value = state.agent;
    $('token').value = state.token;
    $('conversation').textContent = state.session || '(none)';
    $('settings').addEventListener('submit', (ev) => {
      ev.preventDefault();
      state.session = $('session').value.trim();
      state.agent = $('agent').value.trim();
      state.token = $('token').value;
      sessionStorage.setItem('acme-agent-token', state.token);
      $('conversation').textContent = state.session || '(none)';
      const q = new URLSearchParams({ session: state.session, agent: state.agent });
      history.replaceState(null, '', `${location.pathname}?${q}`);
      refresh();
    });
    $('ask').addEventListener('click', askForRating);
    $('refresh').addEventListener('click', refresh);
    refresh();
    // The console (not the visitor's widget) refreshes its thread every few seconds while it
    // is visible, so a rating shows up without pressing Refresh.
    setInterval(() => { if (document.visibilityState === 'visible') refreshTimeline().catch(() => {}); }, 3000);
  });
})();

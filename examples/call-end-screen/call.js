// The mock call page: controls toggle, "Leave call" swaps to the end screen and puts an
// inline <session-rating> there for this call. Every participant rates the call: the
// invite link (?call=ID) opens the same call in another browser, whose widget has its own
// pseudonymous rater id, so each participant's rating is stored and counted on its own.
// ?participant=ID sets the rater id explicitly (two participants in one browser).
(function () {
  const params = new URLSearchParams(location.search);
  const key = params.get('key') || '';
  const joined = params.get('call');
  const validId = (s) => typeof s === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(s);
  const callId = (validId(joined) && joined) || sessionStorage.getItem('meetnow-call') ||
    `call-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  sessionStorage.setItem('meetnow-call', callId);
  const participant = validId(params.get('participant')) ? params.get('participant') : '';

  // The link another participant opens to join (and later rate) this same call.
  function inviteUrl(extra) {
    const u = new URL(location.pathname, location.origin);
    if (key) u.searchParams.set('key', key);
    u.searchParams.set('call', callId);
    for (const [k, v] of Object.entries(extra || {})) u.searchParams.set(k, v);
    return u.href;
  }
  const started = Date.now();
  const $ = (id) => document.getElementById(id);
  const mmss = (ms) => {
    const s = Math.floor(ms / 1000);
    return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  };

  const PROBLEMS = [
    { id: 'audio', label: 'Audio' },
    { id: 'video', label: 'Video' },
    { id: 'connection', label: 'Connection' },
    { id: 'screen_share', label: 'Screen share' },
  ];

  function leave() {
    const endedAt = Date.now();
    $('call').hidden = true;
    $('end').hidden = false;
    $('duration').textContent = mmss(endedAt - started);
    $('key-hint').hidden = !!key;
    if (!$('rating-slot').firstChild) {
      const el = document.createElement('session-rating');
      el.setAttribute('session-id', callId);
      // Without rater-id the widget uses this browser's own pseudonymous rater id.
      if (participant) el.setAttribute('rater-id', participant);
      el.setAttribute('endpoint', '/v1/ratings');
      el.setAttribute('write-key', key);
      el.setAttribute('mode', 'inline');
      el.setAttribute('scale', 'stars');
      el.setAttribute('topic', 'weekly-sync');
      el.setAttribute('agent-id', 'host-ada');
      el.setAttribute('config', JSON.stringify({ problems: PROBLEMS, comment: { enabled: true } }));
      $('rating-slot').append(el);
    }
    $('end-title').focus();
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('end-title').tabIndex = -1;
    $('end-call-id').textContent = callId;
    $('invite-link').href = inviteUrl();
    $('invite-link').textContent = inviteUrl();
    $('second-link').href = inviteUrl({ participant: `guest-${Math.random().toString(36).slice(2, 8)}` });
    setInterval(() => { $('timer').textContent = mmss(Date.now() - started); }, 1000);
    for (const [id, on, off] of [['mic', 'Unmute', 'Mute'], ['cam', 'Start video', 'Stop video'], ['share', 'Stop sharing', 'Share screen']]) {
      $(id).addEventListener('click', (ev) => {
        const pressed = ev.target.getAttribute('aria-pressed') !== 'true';
        ev.target.setAttribute('aria-pressed', String(pressed));
        ev.target.textContent = pressed ? on : off;
      });
    }
    $('leave').addEventListener('click', leave);
    $('rejoin').addEventListener('click', () => { $('end').hidden = true; $('call').hidden = false; });
    $('new-call').addEventListener('click', () => {
      sessionStorage.removeItem('meetnow-call');
      const u = new URL(location.href);
      u.searchParams.delete('call');
      u.searchParams.delete('participant');
      location.href = u.href;
    });
  });
})();

// The mock call page: controls toggle, "Leave call" swaps to the end screen and puts an
// inline <session-rating> there for this call.
(function () {
  const params = new URLSearchParams(location.search);
  const key = params.get('key') || '';
  const callId = sessionStorage.getItem('meetnow-call') ||
    `call-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  sessionStorage.setItem('meetnow-call', callId);
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
      location.reload();
    });
  });
})();

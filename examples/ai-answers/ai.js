// The AI-answer page: every assistant answer gets its own <session-rating mode="button">
// ("That helped?" trigger, then the 5-face emoji picker). session-id = the conversation,
// subject-id = the answer's id, properties = the model and prompt version that produced it
// (so the dashboard can group by property:model or property:prompt_version). Each element
// is its own rating: rating one answer never replaces the rating of another.
(function () {
  const params = new URLSearchParams(location.search);
  const key = params.get('key') || '';
  const conversation = sessionStorage.getItem('docs-ai-conversation') ||
    `ai-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  sessionStorage.setItem('docs-ai-conversation', conversation);

  const MODEL = { model: 'm-2', prompt_version: 'v7' };
  const CONFIG = { scale: 'emoji', preset: 'chat', finalise: { window_seconds: 3600 } };
  const THREAD = [
    ['How do I change my billing address?',
      'Open Settings → Billing, choose Edit address and save. The next invoice uses the new address.'],
    ['Can I get a copy of an old invoice?',
      'Yes: Billing → Invoices lists every invoice; each one has a Download PDF button.'],
    ['Why was I charged twice this month?',
      'Usually one charge is a pending authorisation that disappears within 3 days. If both stay, contact support with the invoice numbers.'],
  ];
  const CANNED = 'Here is what the documentation says: look under Settings → Billing; if the option is missing, your plan may not include it.';

  const $ = (id) => document.getElementById(id);
  let answers = 0;

  function message(cls, text) {
    const li = document.createElement('li');
    li.className = cls;
    const p = document.createElement('p');
    p.textContent = text; // people's text: never parsed as HTML
    li.append(p);
    $('messages').append(li);
    return li;
  }

  function answer(text) {
    answers += 1;
    const id = `answer-${answers}`;
    const li = message('bot', text);
    li.id = id;
    const el = document.createElement('session-rating');
    el.setAttribute('mode', 'button');
    el.setAttribute('session-id', conversation);
    el.setAttribute('subject-id', id);
    el.setAttribute('endpoint', '/v1/ratings');
    el.setAttribute('write-key', key);
    el.setAttribute('trigger-label', 'That helped?');
    el.setAttribute('properties', JSON.stringify(MODEL));
    el.setAttribute('config', JSON.stringify(CONFIG));
    li.append(el);
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('conversation-id').textContent = conversation;
    $('key-hint').hidden = !!key;
    for (const [q, a] of THREAD) {
      message('me', q);
      answer(a);
    }
    $('ask').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const q = $('question').value.trim();
      if (!q) return;
      message('me', q);
      answer(CANNED);
      $('question').value = '';
    });
  });
})();

// The support site's own script: adds the session-rating script tag (popup mode) for the
// current chat conversation, with the two thumbs questions, and opens the prompt when the
// chat ends — or when the agent presses "Ask for rating" in the agent console (agent.html):
// the widget listens (data-listen) to the collector's event stream for this conversation.
(function () {
  const params = new URLSearchParams(location.search);
  const key = params.get('key') || '';
  const conversation = sessionStorage.getItem('acme-conversation') ||
    `chat-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  sessionStorage.setItem('acme-conversation', conversation);

  const CONFIG = {
    preset: 'chat',
    questions: [
      { id: 'HELPFUL_THUMBS' },
      { id: 'EXPERIENCE_THUMBS', problems: [
        { id: 'not_answered', label: 'My question was not answered' },
        { id: 'too_slow', label: 'Too slow' },
      ], comment: { enabled: true } },
    ],
  };

  function addScriptTag() {
    const s = document.createElement('script');
    s.src = '/dist/session-rating.js';
    s.async = true;
    const data = {
      'session-id': conversation,
      endpoint: '/v1/ratings',
      'write-key': key,
      // The chat products' two questions, both thumbs: "Was this helpful?" and "How was your
      // experience?" (question codes HELPFUL_THUMBS and EXPERIENCE_THUMBS), one record with
      // both answers. A low experience answer asks what went wrong.
      config: JSON.stringify(CONFIG),
      topic: 'billing',
      'agent-id': 'agent-ana',
      mode: 'popup',
      'auto-open': 'false',
      // The agent's "Ask for rating" reaches this page at once (Server-Sent Events).
      listen: '',
    };
    for (const [name, value] of Object.entries(data)) s.setAttribute(`data-${name}`, value);
    document.head.append(s);
  }

  document.addEventListener('DOMContentLoaded', () => {
    document.getElementById('conversation-id').textContent = conversation;
    document.getElementById('key-hint').hidden = !!key;
    const snippet = document.getElementById('snippet');
    snippet.textContent = snippet.textContent.replace('CONVERSATION_ID', conversation);
    const agentLink = document.getElementById('agent-link');
    agentLink.href = `agent.html?session=${encodeURIComponent(conversation)}`;
    addScriptTag();
    // The agent asked: say so in the thread (the widget opens its prompt by itself).
    document.addEventListener('rating-requested', (ev) => {
      const li = document.createElement('li');
      li.className = 'agent';
      li.textContent = `${ev.detail.agent_id === 'agent-ana' ? 'Ana' : ev.detail.agent_id} asked you to rate this chat.`;
      document.getElementById('messages').append(li);
    });
    document.getElementById('end-chat').addEventListener('click', (ev) => {
      ev.target.disabled = true;
      document.getElementById('chat-state').textContent = 'Chat ended.';
      document.getElementById('new-chat').hidden = false;
      // The widget may still be loading: open() before it is ready opens it once it is.
      const started = Date.now();
      (function tryOpen() {
        if (window.SessionRating && window.SessionRating.controller) window.SessionRating.open();
        else if (Date.now() - started < 15000) setTimeout(tryOpen, 50);
      })();
    });
    document.getElementById('new-chat').addEventListener('click', () => {
      sessionStorage.removeItem('acme-conversation');
      location.reload();
    });
  });
})();

// dashboard.js — the site owner's insights page, served by the collector at /dashboard/.
// Reads /v1/insights (per question, NPS, grouped by topic/agent/day/custom property),
// /v1/ratings, /v1/sessions/{id} and /v1/config with the admin token, draws inline SVG
// charts, and writes feature toggles with PATCH /v1/config. Text from ratings (comments,
// topics, ids, question ids, properties) is only ever placed with textContent.
import { barChart, hbarChart, trendChart } from './charts.mjs';
import { toCsv } from './csv.mjs';

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'session-rating-admin-token';
let token = '';
let lowCursor = null;

// ---- token ---------------------------------------------------------------------------

// `#session=ID` (e.g. linked from an example's end screen) opens that session's view.
let pendingSession = null;
function takeTokenFromHash() {
  const sm = /(?:^#|&)session=([^&]+)/.exec(location.hash);
  if (sm) pendingSession = decodeURIComponent(sm[1]);
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m || sm) {
    if (m) sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname + location.search); // keep it out of history
  }
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

function showLogin(message = '') {
  $('main').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message;
}

class HttpError extends Error {
  constructor(status, body) {
    const first = body && body.errors && body.errors[0];
    super(first ? `${first.code}: ${first.message}` : `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function api(path, { method = 'GET', body } = {}) {
  const res = await fetch(path, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    cache: 'no-store',
  });
  if (res.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin('The token was not accepted.');
    throw new HttpError(401, null);
  }
  if (path.endsWith('.jsonl') && res.ok) return res.text();
  let json = null;
  try { json = await res.json(); } catch { /* empty */ }
  if (!res.ok) throw new HttpError(res.status, json);
  return json;
}

// ---- filters -------------------------------------------------------------------------

// `keys`: the filters a request takes (/v1/ratings has no `question`).
function filterParams(extra = {}, keys = ['from', 'to', 'topic']) {
  const f = new FormData($('filters'));
  const p = new URLSearchParams();
  for (const k of keys) if (f.get(k)) p.set(k, f.get(k));
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== null) p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
}

const insightsParams = (extra = {}) => filterParams(extra, ['from', 'to', 'topic', 'question']);

// The `by` of the grouping form: topic | agent | day | property:KEY (null: key missing/bad).
function groupBy() {
  const by = $('group-by').value;
  if (by !== 'property') return by;
  const key = $('property-key').value.trim();
  return /^[a-z0-9_]{1,40}$/.test(key) ? `property:${key}` : null;
}

// ---- rendering -----------------------------------------------------------------------

const pct = (x) => (x === null || x === undefined ? '–' : `${Math.round(x * 1000) / 10}%`);
const num = (x, d = 2) => (x === null || x === undefined ? '–' : x.toFixed(d));
// NPS score (−100…100, from the core) as text, e.g. "+33.3", "−100", "0".
const npsText = (n) => {
  if (!n) return '–';
  const v = Math.round(n.score * 10) / 10;
  return v > 0 ? `+${v}` : v < 0 ? `−${-v}` : '0';
};
const npsCounts = (n) => `${n.promoters} promoters · ${n.passives} passives · ${n.detractors} detractors`;

function dayRange(keys) {
  if (!keys.length) return [];
  const sorted = [...keys].sort();
  const out = [];
  let t = Date.parse(sorted[0] + 'T00:00:00Z');
  const end = Date.parse(sorted[sorted.length - 1] + 'T00:00:00Z');
  while (t <= end && out.length < 400) {
    out.push(new Date(t).toISOString().slice(0, 10));
    t += 86400000;
  }
  return out;
}

function renderKpis(total) {
  $('kpi-csat').textContent = pct(total.csat);
  $('kpi-mean').textContent = num(total.mean);
  $('kpi-count').textContent = String(total.ratings);
  $('kpi-internal').textContent = total.excluded_internal
    ? `${total.excluded_internal} internal excluded` : 'no internal ratings';
  const s = total.sentiment || {};
  $('kpi-sentiment').textContent = `${s.positive ?? 0} / ${s.neutral ?? 0} / ${s.negative ?? 0}`;
  $('kpi-raters').textContent = String(total.raters ?? 0);
  $('kpi-answers').textContent = `distinct raters · ${total.answers ?? 0} answers`;
  // NPS where it applies: shown when NPS answers were counted (all questions or the one picked).
  $('kpi-nps-card').hidden = !total.nps;
  $('kpi-nps').textContent = npsText(total.nps);
  $('kpi-nps-counts').textContent = total.nps ? npsCounts(total.nps) : '';
}

// The question picker: every question id seen in the data (current date/topic filters).
function renderQuestionPicker(all) {
  const select = $('question');
  const current = select.value;
  const ids = Object.keys(all.questions || {}).sort();
  select.replaceChildren(new Option('All questions', ''));
  for (const id of ids) select.append(new Option(id, id));
  if (current && !ids.includes(current)) select.append(new Option(current, current));
  select.value = current;
}

function renderQuestions(all) {
  const body = $('questions-body');
  body.replaceChildren();
  const rows = Object.entries(all.questions || {}).sort((a, b) => a[0].localeCompare(b[0]));
  if (!rows.length) {
    const tr = document.createElement('tr');
    const td = cell('No answers in this range.');
    td.colSpan = 7;
    tr.append(td);
    body.append(tr);
    return;
  }
  for (const [id, q] of rows) {
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.scope = 'row';
    const pick = document.createElement('button');
    pick.type = 'button';
    pick.className = 'link';
    pick.textContent = id;
    pick.title = `Show only ${id}`;
    pick.addEventListener('click', () => { $('question').value = id; loadAll(); });
    th.append(pick);
    tr.append(th, cell(String(q.answers), 'num'), cell(String(q.raters), 'num'), cell(pct(q.csat), 'num'),
      cell(num(q.mean), 'num'), cell(q.nps ? `${npsText(q.nps)} (${q.nps.promoters}/${q.nps.passives}/${q.nps.detractors})` : '–', 'num'),
      cell(String(q.sentiment?.negative ?? 0), 'num'));
    body.append(tr);
  }
}

function renderCharts(byDay) {
  const groups = byDay.groups || {};
  const days = dayRange(Object.keys(groups)).map((day) => ({
    day, count: groups[day] ? groups[day].ratings : 0, csat: groups[day] ? groups[day].csat : null,
  }));
  trendChart($('chart-trend'), days);
  const dist = byDay.distribution || {};
  const bars = ['1', '2', '3', '4', '5'].map((k) => ({
    label: `${k}★`, value: dist[k] || 0, color: Number(k) >= 4 ? '#1a7f4b' : Number(k) === 3 ? '#b7791f' : '#c0392b',
  }));
  const th = byDay.thumbs || {};
  if (th.up || th.down) {
    bars.push({ label: '👎', value: th.down || 0, color: '#c0392b', title: `thumbs down: ${th.down || 0}` });
    bars.push({ label: '👍', value: th.up || 0, color: '#1a7f4b', title: `thumbs up: ${th.up || 0}` });
  }
  barChart($('chart-dist'), bars, { label: 'Score distribution' });
  hbarChart($('chart-problems'), Object.entries(byDay.problems || {}).map(([label, value]) => ({ label, value })),
    { label: 'Problems picked' });
}

function cell(text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function renderGroups(result) {
  const body = $('groups-body');
  body.replaceChildren();
  const rows = Object.entries(result.groups || {}).sort((a, b) => b[1].ratings - a[1].ratings);
  if (!rows.length) {
    const tr = document.createElement('tr');
    const td = cell('No ratings in this range.');
    td.colSpan = 8;
    tr.append(td);
    body.append(tr);
    return;
  }
  for (const [key, g] of rows) {
    const tr = document.createElement('tr');
    const top = Object.entries(g.problems || {}).sort((a, b) => b[1] - a[1])[0];
    tr.append(cell(key), cell(String(g.ratings), 'num'), cell(String(g.raters ?? 0), 'num'), cell(pct(g.csat), 'num'),
      cell(num(g.mean), 'num'), cell(g.nps ? npsText(g.nps) : '–', 'num'),
      cell(String(g.sentiment?.negative ?? 0), 'num'), cell(top ? `${top[0]} (${top[1]})` : '–'));
    body.append(tr);
  }
}

// A record's answers; a rating.v1 record (never returned by a current collector) as one.
const answersOf = (r) => (Array.isArray(r.answers) ? r.answers
  : [{ question: 'overall', scale: r.scale, score: r.score, positive: r.positive, sentiment: r.sentiment,
    problems: r.problems, comment: r.comment, thresholds: r.thresholds }]);

function scoreText(a) {
  if (a.scale === 'thumbs') return a.score === 1 ? 'thumbs up' : 'thumbs down';
  if (a.scale === 'nps') return `${a.score}/10 NPS`;
  if (a.scale === 'numeric') return `${a.score}/${(a.range && a.range[1]) ?? '?'}`;
  return `${a.score}/5 ${a.scale}`;
}

const isLow = (a) => (a.scale === 'thumbs' ? a.score === 0
  : a.thresholds ? a.score <= a.thresholds.low_score_max : !a.positive);

function span(text, cls) {
  const s = document.createElement('span');
  s.textContent = text;
  if (cls) s.className = cls;
  return s;
}

// A button that opens the session view for `id` (ids are placed as text, never as markup).
function sessionButton(id) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'link';
  b.textContent = `session: ${id}`;
  b.title = 'Show every rating of this session';
  b.addEventListener('click', () => showSession(id));
  return b;
}

// One answer: score, question, problems, comment.
function answerBlock(a, { showQuestion }) {
  const div = document.createElement('div');
  div.className = 'answer';
  const meta = document.createElement('div');
  meta.className = 'meta';
  if (showQuestion) meta.append(span(a.question, 'question'));
  meta.append(span(scoreText(a), isLow(a) ? 'score' : 'score ok'));
  if (a.sentiment) meta.append(span(a.sentiment));
  for (const p of a.problems || []) meta.append(span(p, 'tag'));
  div.append(meta);
  if (a.comment) {
    const c = document.createElement('p');
    c.className = 'comment';
    c.textContent = a.comment; // inert: never parsed as HTML
    div.append(c);
  }
  return div;
}

function ratingMeta(r, { session }) {
  const meta = document.createElement('div');
  meta.className = 'meta';
  const when = document.createElement('time');
  when.dateTime = new Date(r.submitted_at).toISOString();
  when.textContent = new Date(r.submitted_at).toLocaleString();
  meta.append(when);
  for (const [label, value] of [['rater', r.rater_id], ['subject', r.subject_id], ['topic', r.topic], ['agent', r.agent_id]]) {
    if (value) meta.append(span(`${label}: ${value}`));
  }
  if (session && r.session_id) meta.append(sessionButton(r.session_id));
  for (const [k, v] of Object.entries(r.properties || {})) meta.append(span(`${k}=${v}`, 'tag prop'));
  if (r.revision > 1) meta.append(span(`revision ${r.revision}`));
  if (r.final) meta.append(span('final'));
  // Signed context (docs/security.md): whether the rater/agent/internal fields were vouched for.
  if (r.context_trust) meta.append(span(`context: ${r.context_trust}`, `trust trust-${r.context_trust}`));
  return meta;
}

// A low rating: its low answers (or, with a question picked, that question's answer).
function lowItem(r) {
  const li = document.createElement('li');
  li.append(ratingMeta(r, { session: true }));
  const answers = answersOf(r);
  const q = $('question').value;
  const shown = answers.filter((a) => (q ? a.question === q : isLow(a)));
  for (const a of shown.length ? shown : answers) li.append(answerBlock(a, { showQuestion: answers.length > 1 || a.question !== 'overall' }));
  return li;
}

async function loadLow(reset) {
  if (reset) {
    lowCursor = null;
    $('low-list').replaceChildren();
  }
  const page = await api('/v1/ratings' + filterParams({ low: 'true', limit: 20, cursor: lowCursor ?? undefined }));
  collectPropertyKeys(page.ratings);
  for (const r of page.ratings) $('low-list').append(lowItem(r));
  if (reset && !page.ratings.length) {
    const li = document.createElement('li');
    li.textContent = 'No low ratings in this range.';
    $('low-list').append(li);
  }
  lowCursor = page.next_cursor;
  $('low-more').hidden = !lowCursor;
}

async function loadTopics() {
  const p = new URLSearchParams();
  const f = new FormData($('filters'));
  for (const k of ['from', 'to']) if (f.get(k)) p.set(k, f.get(k));
  p.set('by', 'topic');
  const r = await api('/v1/insights?' + p);
  const select = $('filters').elements.topic;
  const current = select.value;
  select.replaceChildren(new Option('All topics', ''));
  for (const key of Object.keys(r.groups || {}).sort()) {
    if (key === '(none)') continue;
    select.append(new Option(key, key));
  }
  select.value = current;
}

// Property keys seen in listed ratings, offered in the group-by key input.
const propertyKeys = new Set();
function collectPropertyKeys(ratings) {
  let added = false;
  for (const r of ratings) {
    for (const k of Object.keys(r.properties || {})) {
      if (!propertyKeys.has(k)) { propertyKeys.add(k); added = true; }
    }
  }
  if (!added) return;
  $('property-keys').replaceChildren(...[...propertyKeys].sort().map((k) => new Option(k, k)));
  if (!$('property-key').value && propertyKeys.size) $('property-key').placeholder = [...propertyKeys].sort()[0];
}

async function loadGroups() {
  const by = groupBy();
  if (!by) {
    $('groups-status').textContent = 'Enter a property key: lowercase letters, digits and _ (up to 40).';
    $('groups-body').replaceChildren();
    return;
  }
  $('groups-status').textContent = '';
  renderGroups(await api('/v1/insights' + insightsParams({ by })));
}

async function loadAll() {
  $('status').textContent = 'Loading…';
  try {
    // Without `question`: the question ids seen (picker, Questions table).
    const [all, byDay] = await Promise.all([
      api('/v1/insights' + filterParams({})),
      api('/v1/insights' + insightsParams({ by: 'day' })),
    ]);
    renderQuestionPicker(all);
    renderQuestions(all);
    renderKpis(byDay);
    renderCharts(byDay);
    await Promise.all([loadGroups(), loadLow(true), loadTopics()]);
    $('status').textContent = `Updated ${new Date().toLocaleTimeString()}.`;
    document.body.dataset.loaded = String(Date.now());
  } catch (e) {
    if (e.status !== 401) $('status').textContent = `Could not load: ${e.message}`;
  }
}

// ---- session view (GET /v1/sessions/{id}) ---------------------------------------------

async function showSession(id) {
  $('session-id').value = id;
  const list = $('session-list');
  list.replaceChildren();
  $('session-status').textContent = 'Loading…';
  try {
    const s = await api(`/v1/sessions/${encodeURIComponent(id)}`);
    const raters = new Set(s.ratings.map((r) => r.rater_id).filter(Boolean));
    const subjects = new Set(s.ratings.map((r) => r.subject_id).filter(Boolean));
    const ended = s.ended_at === null || s.ended_at === undefined ? 'no end reported'
      : `ended ${new Date(s.ended_at).toLocaleString()}`;
    $('session-status').textContent = `${s.ratings.length} rating${s.ratings.length === 1 ? '' : 's'} · `
      + `${raters.size} rater${raters.size === 1 ? '' : 's'} · ${subjects.size} subject${subjects.size === 1 ? '' : 's'} · ${ended}`;
    collectPropertyKeys(s.ratings);
    for (const r of s.ratings) {
      const li = document.createElement('li');
      li.dataset.ratingId = r.rating_id;
      li.append(ratingMeta(r, { session: false }));
      for (const a of answersOf(r)) li.append(answerBlock(a, { showQuestion: true }));
      list.append(li);
    }
    if (!s.ratings.length) {
      const li = document.createElement('li');
      li.textContent = 'No ratings for this session.';
      list.append(li);
    }
    document.body.dataset.session = id;
  } catch (e) {
    if (e.status !== 401) $('session-status').textContent = `Could not load the session: ${e.message}`;
  }
}
// ---- features (PATCH /v1/config) -----------------------------------------------------

async function loadFeatures() {
  const doc = await api('/v1/config');
  const c = doc.config || {};
  const form = $('features');
  // A config with `questions` has no shorthand (scale, comment, problems): leave them alone.
  const many = Array.isArray(c.questions);
  $('features-questions').hidden = !many;
  $('features-shorthand').disabled = many;
  form.elements.enabled.checked = doc.enabled !== false;
  form.elements.comment.checked = !!(c.comment && c.comment.enabled);
  form.elements.scale.value = c.scale || 'stars';
  const custom = Array.isArray(c.problems);
  form.elements.preset.value = custom ? 'custom' : (c.preset || 'call');
  form.elements.problems.value = custom ? c.problems.map((p) => `${p.id}: ${p.label}`).join('\n') : '';
  $('problems-custom').hidden = !custom;
  const win = c.finalise && Number.isInteger(c.finalise.window_seconds) ? c.finalise.window_seconds : 3600;
  form.elements.window.value = String(Math.round(win / 60));
}

function parseProblems(text) {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).map((line) => {
    const i = line.indexOf(':');
    const id = (i < 0 ? line : line.slice(0, i)).trim();
    const label = (i < 0 ? line : line.slice(i + 1)).trim();
    return { id, label };
  });
}

async function saveFeatures(ev) {
  ev.preventDefault();
  const form = $('features');
  const preset = form.elements.preset.value;
  const finalise = { window_seconds: Math.round(Number(form.elements.window.value || 0) * 60) };
  const config = $('features-shorthand').disabled ? { finalise } : {
    scale: form.elements.scale.value,
    comment: { enabled: form.elements.comment.checked, ...(form.elements.comment.checked ? {} : { required: null }) },
    finalise,
    preset: preset === 'custom' ? null : preset,
    problems: preset === 'custom' ? parseProblems(form.elements.problems.value) : null,
  };
  $('features-errors').replaceChildren();
  $('features-status').textContent = 'Saving…';
  try {
    await api('/v1/config', { method: 'PATCH', body: { enabled: form.elements.enabled.checked, config } });
    $('features-status').textContent = 'Saved. The collector applies it at once; widgets that load their config pick it up within 5 seconds.';
  } catch (e) {
    $('features-status').textContent = 'Not saved:';
    for (const err of (e.body && e.body.errors) || [{ path: '', message: e.message }]) {
      const li = document.createElement('li');
      li.textContent = `${err.path || '(settings)'}: ${err.message}`;
      $('features-errors').append(li);
    }
  }
}

// ---- export --------------------------------------------------------------------------

function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function exportJsonl() {
  $('export-status').textContent = 'Exporting…';
  try {
    const text = await api('/v1/export.jsonl');
    download('ratings.jsonl', text, 'application/x-ndjson');
    $('export-status').textContent = `${text.split('\n').filter(Boolean).length} revisions exported.`;
  } catch (e) {
    $('export-status').textContent = `Export failed: ${e.message}`;
  }
}

async function exportCsv() {
  $('export-status').textContent = 'Exporting…';
  try {
    const all = [];
    let cursor;
    do {
      const page = await api('/v1/ratings' + filterParams({ limit: 1000, cursor }));
      all.push(...page.ratings);
      cursor = page.next_cursor ?? undefined;
    } while (cursor && all.length < 1_000_000);
    download('ratings.csv', toCsv(all), 'text/csv');
    $('export-status').textContent = `${all.length} ratings exported.`;
  } catch (e) {
    $('export-status').textContent = `Export failed: ${e.message}`;
  }
}

// ---- start ---------------------------------------------------------------------------

async function start() {
  token = takeTokenFromHash();
  if (!token) return showLogin();
  $('login').hidden = true;
  $('main').hidden = false;
  try {
    // What this token may do: a read token gets a read-only dashboard (docs/programme.md).
    const { scopes } = await api('/v1/token');
    const canWrite = scopes.includes('write');
    $('features-fields').disabled = !canWrite;
    $('features-readonly').hidden = canWrite;
    await loadFeatures();
  } catch (e) {
    if (e.status === 401) return;
    $('features-status').textContent = `Could not load settings: ${e.message}`;
  }
  await loadAll();
  if (pendingSession) {
    const id = pendingSession;
    pendingSession = null;
    await showSession(id);
  }
}

$('login-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, new FormData(ev.target).get('token'));
  start();
});
$('filters').addEventListener('submit', (ev) => { ev.preventDefault(); loadAll(); });
$('refresh').addEventListener('click', () => loadAll());
async function regroup() {
  try { await loadGroups(); } catch (e) {
    if (e.status !== 401) $('groups-status').textContent = `Could not group: ${e.message}`;
  }
}
$('group-by').addEventListener('change', () => {
  const prop = $('group-by').value === 'property';
  $('property-key-label').hidden = !prop;
  if (prop && !$('property-key').value) {
    $('property-key').focus();
    return;
  }
  regroup();
});
$('grouping').addEventListener('submit', (ev) => { ev.preventDefault(); regroup(); });
$('question').addEventListener('change', () => loadAll());
$('session-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const id = $('session-id').value.trim();
  if (id) showSession(id);
});
$('low-more').addEventListener('click', () => loadLow(false));
$('features').addEventListener('submit', saveFeatures);
$('features').elements.preset.addEventListener('change', (ev) => {
  $('problems-custom').hidden = ev.target.value !== 'custom';
});
$('export-jsonl').addEventListener('click', exportJsonl);
$('export-csv').addEventListener('click', exportCsv);
window.addEventListener('hashchange', () => { if (/(token|session)=/.test(location.hash)) start(); });
start();

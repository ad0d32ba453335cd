// dashboard.js — the site owner's insights page, served by the collector at /dashboard/.
// Reads /v1/insights, /v1/ratings and /v1/config with the admin token, draws inline SVG
// charts, and writes feature toggles with PATCH /v1/config. Text from ratings (comments,
// topics, agent ids) is only ever placed with textContent.
import { barChart, hbarChart, trendChart } from './charts.mjs';
import { toCsv } from './csv.mjs';

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'session-rating-admin-token';
let token = '';
let lowCursor = null;

// ---- token ---------------------------------------------------------------------------

function takeTokenFromHash() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
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
    showLogin('The admin token was not accepted.');
    throw new HttpError(401, null);
  }
  if (path.endsWith('.jsonl') && res.ok) return res.text();
  let json = null;
  try { json = await res.json(); } catch { /* empty */ }
  if (!res.ok) throw new HttpError(res.status, json);
  return json;
}

// ---- filters -------------------------------------------------------------------------

function filterParams(extra = {}) {
  const f = new FormData($('filters'));
  const p = new URLSearchParams();
  for (const k of ['from', 'to', 'topic']) if (f.get(k)) p.set(k, f.get(k));
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== null) p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
}

// ---- rendering -----------------------------------------------------------------------

const pct = (x) => (x === null || x === undefined ? '–' : `${Math.round(x * 1000) / 10}%`);
const num = (x, d = 2) => (x === null || x === undefined ? '–' : x.toFixed(d));

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
    td.colSpan = 6;
    tr.append(td);
    body.append(tr);
    return;
  }
  for (const [key, g] of rows) {
    const tr = document.createElement('tr');
    const top = Object.entries(g.problems || {}).sort((a, b) => b[1] - a[1])[0];
    tr.append(cell(key), cell(String(g.ratings), 'num'), cell(pct(g.csat), 'num'), cell(num(g.mean), 'num'),
      cell(String(g.sentiment?.negative ?? 0), 'num'), cell(top ? `${top[0]} (${top[1]})` : '–'));
    body.append(tr);
  }
}

function lowItem(r) {
  const li = document.createElement('li');
  const meta = document.createElement('div');
  meta.className = 'meta';
  const score = document.createElement('span');
  score.className = 'score';
  score.textContent = r.scale === 'thumbs' ? 'thumbs down' : `${r.score}/5 ${r.scale}`;
  const when = document.createElement('time');
  when.dateTime = new Date(r.submitted_at).toISOString();
  when.textContent = new Date(r.submitted_at).toLocaleString();
  meta.append(score, when);
  for (const [label, value] of [['topic', r.topic], ['agent', r.agent_id], ['session', r.session_id]]) {
    if (!value) continue;
    const s = document.createElement('span');
    s.textContent = `${label}: ${value}`;
    meta.append(s);
  }
  for (const p of r.problems || []) {
    const s = document.createElement('span');
    s.className = 'tag';
    s.textContent = p;
    meta.append(s);
  }
  if (r.final) {
    const s = document.createElement('span');
    s.textContent = 'final';
    meta.append(s);
  }
  li.append(meta);
  if (r.comment) {
    const c = document.createElement('p');
    c.className = 'comment';
    c.textContent = r.comment; // inert: never parsed as HTML
    li.append(c);
  }
  return li;
}

async function loadLow(reset) {
  if (reset) {
    lowCursor = null;
    $('low-list').replaceChildren();
  }
  const page = await api('/v1/ratings' + filterParams({ low: 'true', limit: 20, cursor: lowCursor ?? undefined }));
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

async function loadAll() {
  $('status').textContent = 'Loading…';
  try {
    const [byDay, groups] = await Promise.all([
      api('/v1/insights' + filterParams({ by: 'day' })),
      api('/v1/insights' + filterParams({ by: $('group-by').value })),
    ]);
    renderKpis(byDay);
    renderCharts(byDay);
    renderGroups(groups);
    await Promise.all([loadLow(true), loadTopics()]);
    $('status').textContent = `Updated ${new Date().toLocaleTimeString()}.`;
    document.body.dataset.loaded = String(Date.now());
  } catch (e) {
    if (e.status !== 401) $('status').textContent = `Could not load: ${e.message}`;
  }
}

// ---- features (PATCH /v1/config) -----------------------------------------------------

async function loadFeatures() {
  const doc = await api('/v1/config');
  const c = doc.config || {};
  const form = $('features');
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
  const config = {
    scale: form.elements.scale.value,
    comment: { enabled: form.elements.comment.checked, ...(form.elements.comment.checked ? {} : { required: null }) },
    finalise: { window_seconds: Math.round(Number(form.elements.window.value || 0) * 60) },
    preset: preset === 'custom' ? null : preset,
    problems: preset === 'custom' ? parseProblems(form.elements.problems.value) : null,
  };
  $('features-errors').replaceChildren();
  $('features-status').textContent = 'Saving…';
  try {
    await api('/v1/config', { method: 'PATCH', body: { enabled: form.elements.enabled.checked, config } });
    $('features-status').textContent = 'Saved. Widgets pick it up within a minute.';
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
    await loadFeatures();
  } catch (e) {
    if (e.status === 401) return;
    $('features-status').textContent = `Could not load settings: ${e.message}`;
  }
  await loadAll();
}

$('login-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, new FormData(ev.target).get('token'));
  start();
});
$('filters').addEventListener('submit', (ev) => { ev.preventDefault(); loadAll(); });
$('refresh').addEventListener('click', () => loadAll());
$('group-by').addEventListener('change', async () => {
  try { renderGroups(await api('/v1/insights' + filterParams({ by: $('group-by').value }))); } catch { /* shown on next load */ }
});
$('low-more').addEventListener('click', () => loadLow(false));
$('features').addEventListener('submit', saveFeatures);
$('features').elements.preset.addEventListener('change', (ev) => {
  $('problems-custom').hidden = ev.target.value !== 'custom';
});
$('export-jsonl').addEventListener('click', exportJsonl);
$('export-csv').addEventListener('click', exportCsv);
window.addEventListener('hashchange', () => { if (/token=/.test(location.hash)) start(); });
start();

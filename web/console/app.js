// ciiguard web console: one page, vanilla ES modules, only the public API (/api/v1) with the
// session cookie and its CSRF token. No text from the server is ever parsed as HTML: every node
// is built with createElement and textContent.
import { TEXT, LABELS } from './i18n.js';

const S = { me: null, csrf: null, lang: 'zh', charts: [], pending: [] };
const TZ = 'Asia/Shanghai';

// --- texts ---
const li = () => (S.lang === 'zh' ? 1 : 0);
export function t(k) { const e = TEXT[k]; return e ? e[li()] || e[0] : k; }
function lab(group, v) {
  if (v === null || v === undefined || v === '') return '';
  const e = LABELS[group] && LABELS[group][v];
  return e ? e[li()] : String(v);
}
const fl = (name) => lab('field', name);
const pick = (o) => (o && typeof o === 'object' ? (S.lang === 'zh' ? o.zh || o.en : o.en || o.zh) || '' : o || '');

// --- DOM ---
function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of kids.flat(Infinity)) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}
// Replaces el's children (arrays flattened; null, undefined and false left out).
function fill(el, ...kids) {
  el.replaceChildren(...kids.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false).map((c) => (c instanceof Node ? c : String(c))));
  return el;
}
const tag = (cls, text) => h('span', { class: 'tag ' + cls }, text);
const perimeterTag = (p) => tag(p || 'outside', lab('perimeter', p));
const gradeTag = (g) => tag(g || 'none', lab('grade', g || 'none'));
const yesno = (b) => (b ? t('yes') : t('no'));

// --- times: shown in Asia/Shanghai; typed as Beijing time ---
function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d)) return iso;
  return new Intl.DateTimeFormat(S.lang === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }).format(d) + ' (UTC+8)';
}
const fmtDate = (s) => s || '';
function toLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(new Date(iso).getTime() + 8 * 3600e3);
  return d.toISOString().slice(0, 16);
}
const fromLocalInput = (v) => (v ? v + ':00+08:00' : null);
function fmtLeft(ms) {
  const neg = ms < 0; let s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400); s -= d * 86400;
  const hh = String(Math.floor(s / 3600)).padStart(2, '0'), mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0'), ss = String(s % 60).padStart(2, '0');
  const txt = (d ? d + (S.lang === 'zh' ? '天 ' : 'd ') : '') + `${hh}:${mm}:${ss}`;
  return neg ? `${t('overdue_by')} ${txt}` : txt;
}
// A live countdown to `iso` (updated each second while the page is shown).
function paintCountdown(el) {
  const left = new Date(el.dataset.due) - Date.now();
  el.textContent = fmtLeft(left);
  el.classList.toggle('overdue', left < 0);
}
function countdown(iso) {
  const el = h('span', { class: 'countdown', 'data-due': iso });
  paintCountdown(el);
  return el;
}
// Every countdown on the page, each second: one timer for the app's lifetime, so a page that is
// replaced while it loads leaves nothing running.
setInterval(() => document.querySelectorAll('[data-due]').forEach(paintCountdown), 1000);

// --- the API ---
class ApiError extends Error {
  constructor(status, problem) { super((problem && (problem.detail || problem.title)) || String(status)); this.status = status; this.problem = problem || {}; }
}
async function api(method, path, body, opts = {}) {
  const headers = { 'Accept-Language': S.lang === 'zh' ? 'zh-CN' : 'en', Accept: opts.accept || 'application/json, application/problem+json', ...(opts.headers || {}) };
  let payload;
  if (body instanceof Blob) { headers['Content-Type'] = opts.type || 'application/octet-stream'; payload = body; }
  else if (body !== undefined) { headers['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
  if (method !== 'GET' && S.csrf) headers['X-CSRF-Token'] = S.csrf;
  const res = await fetch('/api/v1' + path, { method, headers, body: payload, credentials: 'same-origin', cache: 'no-store' });
  const type = res.headers.get('Content-Type') || '';
  const data = opts.blob && res.ok ? await res.blob() : type.includes('json') ? await res.json().catch(() => null) : await res.text();
  if (!res.ok) {
    if (res.status === 401 && S.me && !opts.quiet) { S.me = null; S.csrf = null; render(t('session_expired')); }
    throw new ApiError(res.status, data && typeof data === 'object' ? data : { detail: String(data || res.statusText) });
  }
  return opts.full ? { data, etag: res.headers.get('ETag') } : data;
}
const q = (o) => { const p = new URLSearchParams(); for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== null && v !== '') p.set(k, v); const s = p.toString(); return s ? '?' + s : ''; };
const enc = encodeURIComponent;

// --- roles (the API enforces them; the console only hides what would be refused) ---
const ROLES = { systems: ['admin', 'security_officer', 'project_owner'], body: ['admin', 'security_officer'], approve: ['admin', 'principal'], audit: ['admin', 'security_officer', 'principal', 'auditor'], admin: ['admin'] };
const can = (what) => !!S.me && ROLES[what].includes(S.me.role);
const canEditSystem = (s) => can('body') || (S.me.role === 'project_owner' && (!s || s.owner === S.me.user));
function canRegister(kind) {
  if (can('body')) return true;
  if (S.me.role === 'procurement') return ['vendor', 'agreement', 'procurement'].includes(kind);
  if (S.me.role === 'project_owner') return kind === 'decision';
  return false;
}

// --- forms: labelled, keyboard-usable, errors shown at the field the API names ---
let fid = 0;
// spec: {name, type: text|long|enum|bool|date|datetime|number|systems|list|refs|password|file, values, group, required, hint}
function field(spec, value, ctx = {}) {
  const id = 'f' + ++fid;
  const errId = id + '-err';
  let input, get;
  const common = { id, name: spec.name, 'aria-describedby': errId, required: spec.required || null };
  switch (spec.type) {
    case 'long': input = h('textarea', { ...common, value: value || '' }); get = () => input.value.trim() || null; break;
    case 'enum': {
      input = h('select', common, spec.required ? null : h('option', { value: '' }, '—'),
        (spec.values || []).map((v) => h('option', { value: v, selected: v === value || null }, spec.group ? lab(spec.group, v) : v)));
      if (value !== undefined && value !== null) input.value = value;
      get = () => input.value || null; break;
    }
    case 'bool': input = h('input', { ...common, type: 'checkbox', checked: !!value, required: null }); get = () => input.checked; break;
    case 'date': input = h('input', { ...common, type: 'date', value: value || '' }); get = () => input.value || null; break;
    case 'datetime': input = h('input', { ...common, type: 'datetime-local', value: toLocalInput(value) }); get = () => fromLocalInput(input.value); break;
    case 'number': input = h('input', { ...common, type: 'number', min: spec.min ?? 0, step: spec.step || 'any', value: value ?? '' }); get = () => (input.value === '' ? null : Number(input.value)); break;
    case 'password': input = h('input', { ...common, type: 'password', autocomplete: spec.autocomplete || 'new-password' }); get = () => input.value; break;
    case 'file': input = h('input', { ...common, type: 'file' }); get = () => input.files[0] || null; break;
    case 'systems': case 'refs': {
      const opts = spec.type === 'systems' ? ctx.systems || [] : (ctx.refs && ctx.refs[spec.ref]) || [];
      const chosen = new Set(value || []);
      input = h('select', { ...common, multiple: true, size: Math.min(6, Math.max(3, opts.length)) },
        opts.map((o) => h('option', { value: o.id, selected: chosen.has(o.id) || null }, o.id + (o.name || o.title ? ' — ' + (o.name || o.title) : ''))));
      get = () => [...input.selectedOptions].map((o) => o.value); break;
    }
    case 'ref': {
      const opts = (ctx.refs && ctx.refs[spec.ref]) || [];
      input = h('select', common, h('option', { value: '' }, '—'), opts.map((o) => h('option', { value: o.id, selected: o.id === value || null }, o.id + (o.name || o.title ? ' — ' + (o.name || o.title) : ''))));
      get = () => input.value || null; break;
    }
    case 'links': input = h('input', { ...common, type: 'text', value: (value || []).map((l) => `${l.kind}:${l.to}`).join(', '), placeholder: 'depends_on:ems-scada, exchanges_data:…' });
      get = () => input.value.split(/[,，\s]+/).map((x) => x.trim()).filter(Boolean).map((x) => { const i = x.indexOf(':'); return i < 0 ? { kind: 'depends_on', to: x } : { kind: x.slice(0, i), to: x.slice(i + 1) }; }); break;
    case 'list': input = h('input', { ...common, type: 'text', value: (value || []).join(', ') }); get = () => input.value.split(/[,，]/).map((s) => s.trim()).filter(Boolean); break;
    case 'years': input = h('input', { ...common, type: 'text', value: value ? Object.entries(value).map(([y, n]) => `${y}:${n}`).join(', ') : '', placeholder: '2026:40' });
      get = () => { const o = {}; for (const p of input.value.split(/[,，]/).map((s) => s.trim()).filter(Boolean)) { const [y, n] = p.split(':'); o[y.trim()] = Number(n); } return o; }; break;
    default: input = h('input', { ...common, type: 'text', value: value ?? '', autocomplete: spec.autocomplete || 'off' }); get = () => input.value.trim() || null;
  }
  const label = spec.label || fl(spec.name);
  const wrap = h('div', { class: 'field' + (spec.type === 'long' ? ' wide' : ''), 'data-field': spec.name },
    spec.type === 'bool' ? h('label', { for: id }, input, ' ', label) : [h('label', { for: id }, label, spec.required ? ' *' : ''), input],
    spec.hint ? h('div', { class: 'hint' }, spec.hint) : null,
    h('div', { class: 'err', id: errId, role: 'status' }));
  return { spec, el: wrap, input, get };
}
// A form: fields, a submit button, an alert region; onSubmit(values) may throw ApiError.
function form(specs, values, onSubmit, opts = {}) {
  const fields = specs.map((s) => field(s, getPath(values || {}, s.name), opts.ctx));
  const alert = h('div', { class: 'alert error wide', role: 'alert' });
  const ok = h('div', { class: 'alert ok wide', role: 'status' });
  const button = h('button', { type: 'submit' }, opts.submit || t('save'));
  const f = h('form', { class: 'stack', novalidate: true, 'aria-label': opts.label || null }, alert, fields.map((x) => x.el), h('div', { class: 'actions wide' }, button, opts.extra || null), ok);
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(f); ok.textContent = '';
    const vals = {};
    for (const x of fields) {
      const v = x.get();
      if (x.spec.required && (v === null || v === '' || (Array.isArray(v) && !v.length)) && x.spec.type !== 'bool') {
        return showError(f, { field: x.spec.name, detail: `${fl(x.spec.name) || x.spec.label}: ${S.lang === 'zh' ? '必填' : 'required'}` });
      }
      vals[x.spec.name] = v;
    }
    button.disabled = true;
    try { const msg = await onSubmit(vals); ok.textContent = msg === undefined ? t('saved') : msg || ''; }
    catch (e) { if (e instanceof ApiError) showError(f, e.problem); else showError(f, { detail: String(e.message || e) }); }
    finally { button.disabled = false; }
  });
  f.fields = fields;
  return f;
}
function clearErrors(root) {
  for (const el of root.querySelectorAll('.field.invalid')) { el.classList.remove('invalid'); el.querySelector('.err').textContent = ''; el.querySelector('input,select,textarea')?.removeAttribute('aria-invalid'); }
  const a = root.querySelector('.alert.error'); if (a) a.textContent = '';
}
// The problem's field, when the form has it, is marked and focused; the message is also shown on top.
function showError(root, p, focus = true) {
  const a = root.querySelector('.alert.error');
  const name = p.field || '';
  const el = name && (root.querySelector(`.field[data-field="${CSS.escape(name)}"]`) || root.querySelector(`.field[data-field="${CSS.escape(name.split('.')[0])}"]`));
  if (a) a.textContent = (name ? `${t('error_field')} «${fl(name) || name}»: ` : '') + (p.detail || p.title || '');
  if (el) {
    el.classList.add('invalid');
    el.querySelector('.err').textContent = p.detail || '';
    const input = el.querySelector('input,select,textarea');
    input?.setAttribute('aria-invalid', 'true');
    if (focus) input?.focus();
  }
}
function getPath(o, path) { return path.split('.').reduce((x, k) => (x == null ? undefined : x[k]), o); }
function setPath(o, path, v) { const ks = path.split('.'); let x = o; for (const k of ks.slice(0, -1)) x = x[k] = x[k] && typeof x[k] === 'object' ? x[k] : {}; x[ks.at(-1)] = v; }
// A button whose action calls the API: its failure is shown next to it, never lost.
function actionButton(attrs, label, action) {
  const out = h('span', { role: 'alert', class: 'overdue' });
  const b = h('button', { type: 'button', ...attrs, onclick: async () => {
    out.textContent = ''; b.disabled = true;
    try { await action(); } catch (e) { out.textContent = e.message || String(e); } finally { b.disabled = false; }
  } }, label);
  return h('span', {}, b, ' ', out);
}
const alertBox = (msg, kind = 'error') => h('div', { class: 'alert ' + kind, role: kind === 'error' ? 'alert' : 'status' }, msg);

// --- charts (ECharts, served by ciiguard itself) ---
// Drawn once the element is in the page (a page is built detached, then shown whole).
function chart(el, option) {
  const draw = () => {
    if (!window.echarts || !el.isConnected) return; // a page replaced while it loaded
    const c = window.echarts.init(el, null, { renderer: 'svg' });
    c.setOption({ textStyle: { fontFamily: getComputedStyle(document.documentElement).fontFamily }, animation: false, ...option });
    S.charts.push(c);
  };
  if (el.isConnected) draw(); else S.pending.push(draw);
}
window.addEventListener('resize', () => S.charts.forEach((c) => { if (!c.isDisposed()) c.resize(); }));
const PERIMETERS = ['cii', 'likely_cii', 'near_cii', 'outside'];
const PCOLOR = { cii: '#b42318', likely_cii: '#dc6803', near_cii: '#0b5cad', outside: '#667085' };

// --- shared data ---
// Every item of a paged list (the API gives at most 1,000 a page), as {items, total}.
async function listAll(path, params = {}) {
  const items = [];
  for (;;) {
    const page = await api('GET', path + q({ ...params, limit: 1000, offset: items.length }));
    items.push(...page.items);
    if (!page.items.length || items.length >= page.total) return { items, total: page.total };
  }
}
async function systemsAll() { return (await listAll('/systems')).items; }
async function perimeters() {
  const st = await api('GET', '/status');
  const m = {};
  for (const p of PERIMETERS) for (const id of st.systems[p]) m[id] = p;
  return { status: st, of: m };
}

// --- the frame ---
const NAV = [['#/', 'dashboard'], ['#/systems', 'systems'], ['#/obligations', 'obligations'], ['#/screening', 'screening'], ['#/incidents', 'incidents'], ['#/registers', 'registers'], ['#/catalog', 'catalog'], ['#/operator', 'operator'], ['#/audit', 'audit', 'audit'], ['#/admin', 'admin']];
function header() {
  const top = document.getElementById('top');
  fill(top);
  const cur = location.hash || '#/';
  top.append(h('span', { class: 'brand' }, 'ciiguard'));
  if (S.me) {
    top.append(h('nav', { 'aria-label': 'main' }, NAV.filter(([, , need]) => !need || can(need)).map(([href, k]) =>
      h('a', { href, 'aria-current': (href === '#/' ? cur === '#/' || cur === '' : cur.startsWith(href)) ? 'page' : null }, t(k === 'admin' && !can('admin') ? 'tokens' : k)))));
  } else top.append(h('span', { class: 'muted', style: null }, t('tagline')));
  top.append(h('div', { class: 'who' },
    S.me ? [h('span', { id: 'whoami' }, `${S.me.user} · ${lab('role', S.me.role)}`)] : null,
    h('button', { type: 'button', id: 'lang', lang: S.lang === 'zh' ? 'en' : 'zh-CN', onclick: switchLang }, t('switch_lang')),
    S.me ? h('button', { type: 'button', id: 'signout', onclick: signOut }, t('sign_out')) : null));
  document.documentElement.lang = S.lang === 'zh' ? 'zh-CN' : 'en';
  document.title = 'ciiguard · ' + t('tagline');
}
async function switchLang() {
  S.lang = S.lang === 'zh' ? 'en' : 'zh';
  localStorage.setItem('ciiguard.lang', S.lang);
  if (S.me) { try { await api('PUT', '/me', { lang: S.lang }); } catch { /* kept in this browser at least */ } }
  render();
}
async function signOut() {
  try { await api('DELETE', '/session', undefined, { quiet: true }); } catch { /* signed out either way */ }
  S.me = null; S.csrf = null; location.hash = '#/'; render();
}

// --- sign-in ---
function signInPage(main, note) {
  const f = form([{ name: 'user', label: t('user'), required: true, autocomplete: 'username' }, { name: 'password', label: t('password'), type: 'password', required: true, autocomplete: 'current-password' }], {}, async (v) => {
    const s = await api('POST', '/session', { user: v.user, password: v.password }, { quiet: true });
    S.csrf = s.csrf;
    S.me = await api('GET', '/me');
    if (S.me.lang) { S.lang = S.me.lang; localStorage.setItem('ciiguard.lang', S.lang); }
    render();
    return '';
  }, { submit: t('sign_in'), label: t('sign_in') });
  main.append(h('div', { class: 'signin' }, h('h1', {}, t('sign_in')), note ? alertBox(note) : null, f));
  f.querySelector('input')?.focus();
}

// --- dashboard ---
async function dashboard(main) {
  const [{ status: st }, open, due] = await Promise.all([perimeters(), listAll('/incidents', { status: 'open' }), api('GET', '/due')]);
  const o = st.obligations, money = (m) => `¥${(m.min_cny || 0).toLocaleString()} – ¥${(m.max_cny || 0).toLocaleString()}`;
  main.append(h('h1', {}, t('dashboard')),
    h('div', { class: 'cards' },
      h('div', { class: 'card', id: 'card-systems' }, h('div', { class: 'muted' }, t('systems')), h('div', { class: 'big' }, PERIMETERS.reduce((n, p) => n + st.systems[p].length, 0)),
        PERIMETERS.map((p) => h('div', {}, perimeterTag(p), ' ', st.systems[p].length))),
      h('div', { class: 'card', id: 'card-obligations' }, h('div', { class: 'muted' }, t('obligations')), h('div', { class: 'big' }, `${o.met} / ${o.applicable}`),
        h('div', {}, `${t('obl_met')} ${o.met} · ${t('obl_open')} ${o.open} · `, h('span', { class: o.overdue ? 'overdue' : '' }, `${t('obl_overdue')} ${o.overdue}`))),
      h('div', { class: 'card', id: 'card-exposure' }, h('div', { class: 'muted' }, t('exposure')), h('div', { class: 'big' }, money(st.exposure.entity)),
        h('div', {}, `${t('exposure_entity')}; ${t('exposure_persons')} ${money(st.exposure.persons)}`), h('div', { class: 'muted' }, `${st.multiplier_gaps} ${t('multiplier_gaps')}`)),
      h('div', { class: 'card', id: 'card-incidents' }, h('div', { class: 'muted' }, t('open_incidents')), h('div', { class: 'big' }, st.incidents.open),
        h('div', {}, `${t('reports_due')} ${st.incidents.reports_due} · `, h('span', { class: st.incidents.reports_overdue ? 'overdue' : '' }, `${t('reports_overdue')} ${st.incidents.reports_overdue}`)))));
  const c1 = h('div', { class: 'chart', id: 'chart-perimeter', role: 'img', 'aria-label': t('by_perimeter') });
  const c2 = h('div', { class: 'chart', id: 'chart-obligations', role: 'img', 'aria-label': t('obligations') });
  main.append(h('div', { class: 'grid2' }, h('section', { class: 'card' }, h('h2', {}, t('by_perimeter')), c1), h('section', { class: 'card' }, h('h2', {}, t('obligations')), c2)));
  chart(c1, { tooltip: { trigger: 'item' }, legend: { bottom: 0 }, series: [{ type: 'pie', radius: ['35%', '65%'], label: { formatter: '{b}: {c}' },
    data: PERIMETERS.map((p) => ({ name: lab('perimeter', p), value: st.systems[p].length, itemStyle: { color: PCOLOR[p] } })) }] });
  chart(c2, { tooltip: {}, grid: { left: 50, right: 20, top: 20, bottom: 30 }, xAxis: { type: 'category', data: [t('obl_met'), t('obl_open'), t('obl_overdue')] }, yAxis: { type: 'value' },
    series: [{ type: 'bar', label: { show: true, position: 'top' }, data: [{ value: o.met, itemStyle: { color: '#067647' } }, { value: o.open - o.overdue, itemStyle: { color: '#0b5cad' } }, { value: o.overdue, itemStyle: { color: '#b42318' } }] }] });
  // open incidents and the next report deadline of each, counting down
  const byInc = {};
  for (const d of due.deadlines) if (d.incident && !d.met) (byInc[d.incident] ||= []).push(d);
  main.append(h('h2', {}, t('open_incidents')), open.items.length ? h('div', { class: 'scroll' }, h('table', { id: 'open-incidents' },
    h('thead', {}, h('tr', {}, h('th', {}, t('id')), h('th', {}, t('title')), h('th', {}, t('grade')), h('th', {}, t('recipient')), h('th', {}, t('due_at')), h('th', {}, t('time_left')))),
    h('tbody', {}, open.items.map((i) => { const d = (byInc[i.id] || []).sort((a, b) => a.due_at.localeCompare(b.due_at))[0];
      return h('tr', {}, h('td', {}, h('a', { href: '#/incidents/' + enc(i.id) }, i.id)), h('td', {}, i.title), h('td', {}, gradeTag(i.grade)),
        h('td', {}, d ? lab('recipient', d.recipient) : '—'), h('td', {}, d ? fmtTime(d.due_at) : '—'), h('td', {}, d ? countdown(d.due_at) : '—')); })))) : h('p', { class: 'muted' }, t('no_incidents')));
  main.append(h('h2', {}, t('next_deadlines')), st.next_deadlines.length ? deadlineTable(st.next_deadlines) : h('p', { class: 'muted' }, t('no_deadlines')));
}
function deadlineTable(list) {
  return h('div', { class: 'scroll' }, h('table', { class: 'deadlines' }, h('thead', {}, h('tr', {}, h('th', {}, t('title')), h('th', {}, t('source')), h('th', {}, t('due_at')), h('th', {}, t('time_left')))),
    h('tbody', {}, list.map((d) => h('tr', {}, h('td', {}, d.incident ? h('a', { href: '#/incidents/' + enc(d.incident) }, d.title) : d.title), h('td', {}, d.source),
      h('td', {}, fmtTime(d.due_at)), h('td', {}, d.met ? tag('ok', t('obl_met')) : countdown(d.due_at)))))));
}

// --- systems ---
const SYSTEM_FIELDS = (creating) => [
  { name: 'id', required: true, hint: creating ? 'a-z, 0-9, -' : null }, { name: 'name', required: true }, { name: 'owner' },
  { name: 'sector', type: 'enum', values: Object.keys(LABELS.sector), group: 'sector', required: true },
  { name: 'status', type: 'enum', values: Object.keys(LABELS.status), group: 'status', required: true },
  { name: 'harm_if_compromised', type: 'enum', values: ['minor', 'moderate', 'serious'], group: 'harm', required: true },
  { name: 'supports_core_business', type: 'bool' }, { name: 'cross_sector_impact', type: 'bool' }, { name: 'serves_cii_operators', type: 'bool' },
  { name: 'users', type: 'number' }, { name: 'mlps_level', type: 'number', min: 1, step: 1 },
  { name: 'notified_cii', type: 'bool' }, { name: 'notified_at', type: 'date' },
  { name: 'ai.kind', type: 'enum', values: Object.keys(LABELS.ai_kind), group: 'ai_kind' }, { name: 'ai.model_source', type: 'enum', values: Object.keys(LABELS.model_source), group: 'model_source' },
  { name: 'ai.public_generative_service', type: 'bool' },
  { name: 'data.important_data', type: 'bool' }, { name: 'data.core_data', type: 'bool' }, { name: 'data.pi_subjects', type: 'number' }, { name: 'data.sensitive_pi_subjects', type: 'number' },
  { name: 'links', type: 'links', hint: 'depends_on | exchanges_data | embedded_in : id' }, { name: 'description', type: 'long' }];
function systemBody(vals, base = {}) {
  const doc = JSON.parse(JSON.stringify(base));
  for (const k of ['created_at', 'updated_at']) delete doc[k];
  for (const [k, v] of Object.entries(vals)) setPath(doc, k, v);
  if (!doc.ai || !doc.ai.kind) delete doc.ai;
  if (!doc.links) doc.links = [];
  // a field left empty is not sent: the record takes its default (the whole record is replaced)
  const prune = (o) => { for (const [k, v] of Object.entries(o)) { if (v === null) delete o[k]; else if (v && typeof v === 'object' && !Array.isArray(v)) prune(v); } return o; };
  return prune(doc);
}
async function systemsPage(main) {
  const [list, per] = await Promise.all([systemsAll(), perimeters()]);
  const fP = field({ name: 'perimeter', label: t('perimeter'), type: 'enum', values: PERIMETERS, group: 'perimeter' });
  const fS = field({ name: 'sector', label: t('sector'), type: 'enum', values: Object.keys(LABELS.sector), group: 'sector' });
  const fT = field({ name: 'status', label: t('status'), type: 'enum', values: Object.keys(LABELS.status), group: 'status' });
  const fQ = field({ name: 'q', label: t('filter_text') });
  fQ.input.type = 'search';
  const body = h('tbody');
  const count = h('p', { class: 'muted', role: 'status' });
  const draw = () => {
    const p = fP.get(), s = fS.get(), st = fT.get(), text = (fQ.get() || '').toLowerCase();
    const rows = list.filter((x) => (!p || per.of[x.id] === p) && (!s || x.sector === s) && (!st || x.status === st) && (!text || (x.id + ' ' + x.name).toLowerCase().includes(text)));
    fill(body, ...rows.map((x) => h('tr', {}, h('td', {}, h('a', { href: '#/systems/' + enc(x.id) }, x.id)), h('td', {}, x.name), h('td', {}, perimeterTag(per.of[x.id])),
      h('td', {}, lab('sector', x.sector)), h('td', {}, lab('status', x.status)), h('td', {}, x.owner || ''))));
    count.textContent = `${rows.length} / ${list.length}`;
  };
  for (const f of [fP, fS, fT, fQ]) f.input.addEventListener('input', draw);
  main.append(h('h1', {}, t('systems')), h('div', { class: 'actions' }, can('systems') ? h('a', { href: '#/systems/new', id: 'new-system' }, '+ ' + t('new_system')) : null),
    h('div', { class: 'filters', role: 'search' }, fP.el, fS.el, fT.el, fQ.el), count,
    h('div', { class: 'scroll' }, h('table', { id: 'systems' }, h('thead', {}, h('tr', {}, h('th', {}, t('id')), h('th', {}, t('name')), h('th', {}, t('perimeter')), h('th', {}, t('sector')), h('th', {}, t('status')), h('th', {}, t('owner')))), body)));
  if (can('systems')) main.append(h('h2', {}, t('import')), importForm('systems'));
  draw();
}
// Imports (POST /imports/WHAT: a JSON array or a CSV table, all or nothing) and exports of a
// register (GET /exports/KIND, downloaded as it is). The file's name decides its type.
function importForm(what) {
  return form([{ name: 'file', label: t('import_file'), type: 'file', required: true, hint: t('import_hint') }, { name: 'update', label: t('import_update'), type: 'bool' }], {}, async (v) => {
    const csv = /\.csv$/i.test(v.file.name);
    const r = await api('POST', `/imports/${what}` + q({ update: v.update ? 'true' : '' }), v.file, { type: csv ? 'text/csv' : 'application/json' });
    // the page again, with what was imported, and this said on top of it
    S.flash = `${t('imported')}: ${r.created} ${t('created_n')}, ${r.updated} ${t('updated_n')}`;
    await render();
    return null;
  }, { submit: t('import'), label: t('import') });
}
function exportLinks(kind) {
  return h('div', { class: 'actions', id: 'exports' }, ['csv', 'json'].map((f) => h('a', { href: `/api/v1/exports/${enc(kind)}?format=${f}`, download: `${kind}.${f}` }, `${t('export')} ${f.toUpperCase()}`)));
}
async function systemNew(main) {
  main.append(h('h1', {}, t('new_system')));
  if (!can('systems')) return main.append(alertBox(t('read_only'), 'ok'));
  const init = { status: 'planned', harm_if_compromised: 'minor', sector: 'energy', owner: S.me.role === 'project_owner' ? S.me.user : '' };
  main.append(form(SYSTEM_FIELDS(true), init, async (v) => { const s = await api('POST', '/systems', systemBody(v)); location.hash = '#/systems/' + enc(s.id); }, { submit: t('create') }));
}
async function systemDetail(main, id) {
  const [{ data: s, etag }, scr, hist, obl, all, per] = await Promise.all([api('GET', '/systems/' + enc(id), undefined, { full: true }), api('GET', `/systems/${enc(id)}/screening`),
    api('GET', `/systems/${enc(id)}/screening/history`), api('GET', '/obligations' + q({ scope: id })), systemsAll(), perimeters()]);
  main.append(h('h1', {}, s.name, ' ', perimeterTag(scr.perimeter)), h('p', { class: 'muted' }, s.id, ' · ', lab('sector', s.sector), ' · ', lab('status', s.status), s.owner ? ' · ' + s.owner : ''));
  if (s.description) main.append(h('p', {}, s.description));
  // screening
  main.append(h('h2', {}, t('screening_result')), h('p', { id: 'perimeter-help' }, t('perimeter_help_' + scr.perimeter)), reasonsList(scr.reasons));
  if (can('systems') && canEditSystem(s)) {
    const out = h('span', { role: 'status' });
    main.append(h('div', { class: 'actions' }, actionButton({ id: 'record-screening' }, t('record_screening'), async () => { await api('POST', `/systems/${enc(id)}/screening`); out.textContent = t('saved'); render(); }), out));
  }
  const hi = hist.history;
  main.append(h('h3', {}, t('history')), hi.length ? h('table', { id: 'screening-history' }, h('thead', {}, h('tr', {}, h('th', {}, t('screened_at')), h('th', {}, t('perimeter')), h('th', {}, t('actor')))),
    h('tbody', {}, hi.map((x) => h('tr', {}, h('td', {}, fmtTime(x.at)), h('td', {}, perimeterTag(x.perimeter)), h('td', {}, x.actor || ''))))) : h('p', { class: 'muted' }, t('none')));
  // dependency graph: this system, what it links to and what links to it
  const g = h('div', { class: 'chart tall', id: 'dependency-graph', role: 'img', 'aria-label': t('dependencies') });
  main.append(h('h2', {}, t('dependencies')), g);
  const nodes = new Map([[s.id, s]]), edges = [];
  for (const l of s.links || []) { edges.push([s.id, l.to, l.kind]); nodes.set(l.to, all.find((x) => x.id === l.to) || { id: l.to }); }
  for (const o of all) for (const l of o.links || []) if (l.to === s.id) { edges.push([o.id, s.id, l.kind]); nodes.set(o.id, o); }
  chart(g, { tooltip: {}, series: [{ type: 'graph', layout: 'force', force: { repulsion: 260, edgeLength: 140, layoutAnimation: false }, roam: true, symbolSize: 46, edgeSymbol: ['none', 'arrow'],
    label: { show: true, formatter: (p) => p.data.name, fontSize: 11 }, edgeLabel: { show: true, formatter: (p) => lab('link_kind', p.data.kind), fontSize: 10 },
    data: [...nodes.values()].map((n) => ({ name: n.id, itemStyle: { color: PCOLOR[per.of[n.id]] || '#98a2b3' }, symbolSize: n.id === s.id ? 60 : 44 })),
    links: edges.map(([a, b, k]) => ({ source: a, target: b, kind: k })) }] });
  // the record
  main.append(h('h2', {}, t('details')), h('dl', { class: 'kv' }, SYSTEM_FIELDS(false).filter((f) => f.name !== 'description').flatMap((f) => {
    const v = getPath(s, f.name);
    return [h('dt', {}, fl(f.name)), h('dd', {}, f.type === 'links' ? (v || []).map((l) => `${lab('link_kind', l.kind)} ${l.to}`).join('; ') : f.type === 'bool' ? yesno(v) : f.group ? lab(f.group, v) : v ?? '')]; })));
  if (canEditSystem(s) && can('systems')) {
    const box = h('div');
    main.append(h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', id: 'edit-system', onclick: () => {
      fill(box, form(SYSTEM_FIELDS(false).filter((f) => f.name !== 'id'), s, async (v) => { await api('PUT', '/systems/' + enc(id), systemBody(v, s), { headers: { 'If-Match': etag } }); render(); }));
      box.querySelector('input,select')?.focus(); } }, t('edit')),
      can('body') ? actionButton({ class: 'danger', id: 'delete-system' }, t('delete'), async () => {
        if (confirm(`${t('delete')} ${id}?`)) { await api('DELETE', '/systems/' + enc(id), undefined, { headers: { 'If-Match': etag } }); location.hash = '#/systems'; } }) : null), box);
  }
  // obligations with their evidence
  main.append(h('h2', {}, t('obligations')), obligationsTable(obl.obligations.filter((x) => x.scope === id), id));
}
function reasonsList(reasons) {
  return h('ul', { class: 'reasons', id: 'reasons' }, reasons.map((r) => h('li', {}, r.perimeter ? perimeterTag(r.perimeter) : null, r.decisive ? h('strong', {}, ` [${t('decisive')}] `) : ' ', r.text, h('div', { class: 'muted' }, r.source, r.confidence ? ` · ${t('confidence')}: ${r.confidence}` : ''))));
}
function obligationsTable(list, scope) {
  const tb = h('tbody');
  for (const o of list) {
    const evCell = h('td', {});
    const row = h('tr', {}, h('td', {}, h('strong', {}, o.ref_id), ' ', o.name, h('div', { class: 'muted' }, o.source, scope ? '' : ` · ${o.scope}`)), h('td', {}, lab('obligation_status', o.status) || o.status, o.overdue ? h('div', { class: 'overdue' }, t('obl_overdue')) : null),
      h('td', {}, o.due ? fmtDate(o.due) : ''), evCell);
    evCell.append(actionButton({ class: 'secondary', 'data-urn': o.urn }, `${t('evidence')} (${o.evidence})`, () => evidencePanel(evCell, scope || o.scope, o)));
    tb.append(row);
  }
  return h('div', { class: 'scroll' }, h('table', { class: 'obligations' }, h('thead', {}, h('tr', {}, h('th', {}, t('obligation')), h('th', {}, t('status')), h('th', {}, t('due_at')), h('th', {}, t('evidence')))), tb));
}
async function evidencePanel(cell, scope, o) {
  const { items } = await listAll('/evidence', { scope, urn: o.urn });
  // a file (its bytes under its hash), or a link to a record (evidence add --link: no file)
  const item = (e) => e.sha256
    ? h('li', {}, h('a', { href: '/api/v1/evidence/' + e.sha256, download: e.filename || e.sha256 }, e.filename || e.sha256.slice(0, 12)), ` (${e.size} B) `, e.note || '')
    : h('li', { class: 'link' }, `${t('linked_record')}: `, h('code', {}, e.target || ''), ' ', e.note || '');
  const box = h('div', { class: 'evidence' }, h('ul', {}, items.map(item)));
  if (can('body')) {
    box.append(form([{ name: 'status', label: t('status'), type: 'enum', values: ['not_started', 'in_progress', 'met', 'not_applicable'], group: 'obligation_status', required: true },
      { name: 'owner', label: t('owner') }, { name: 'met_on', label: t('last_met'), type: 'date' }, { name: 'reason', label: t('reason') }], { status: o.status, owner: o.owner, met_on: o.last_met, reason: o.reason },
    // an emptied owner or reason is sent as "" (the API keeps a field that is left out)
    async (v) => { await api('PUT', `/obligations/${enc(scope)}/${enc(o.urn)}`, clean({ ...v, owner: v.owner ?? '', reason: v.reason ?? '' }), { headers: { 'If-Match': o.etag } }); }, { label: t('obligation') + ' ' + o.ref_id }));
    box.append(form([{ name: 'file', label: t('file'), type: 'file', required: true }, { name: 'note', label: t('note') }], {}, async (v) => {
      await api('POST', '/evidence' + q({ scope, urn: o.urn, filename: v.file.name, note: v.note }), v.file);
      await evidencePanel(cell, scope, o);
      return t('uploaded');
    }, { submit: t('upload'), label: t('evidence') + ' ' + o.ref_id }));
  }
  cell.querySelector('.evidence')?.remove();
  cell.append(box);
}

// --- obligations: every duty, of the organisation and of each system, with its evidence ---
async function obligationsPage(main) {
  const obl = await api('GET', '/obligations');
  const scopes = ['organisation', ...obl.systems.map((x) => x.id)];
  const fScope = field({ name: 'scope', label: t('scope'), type: 'enum', values: scopes }, 'organisation');
  const fStatus = field({ name: 'status', label: t('status'), type: 'enum', values: ['not_started', 'in_progress', 'met', 'not_applicable'], group: 'obligation_status' });
  const fOver = field({ name: 'overdue', label: t('obl_overdue'), type: 'bool' });
  const box = h('div');
  const draw = () => {
    const sc = fScope.get(), st = fStatus.get(), over = fOver.get();
    fill(box, obligationsTable(obl.obligations.filter((o) => (!sc || o.scope === sc) && (!st || o.status === st) && (!over || o.overdue)), null));
  };
  for (const f of [fScope, fStatus, fOver]) f.input.addEventListener('input', draw);
  main.append(h('h1', {}, t('obligations')), h('p', { class: 'muted' }, `${t('obl_applicable')} ${obl.obligations.length}`), h('div', { class: 'filters', role: 'search' }, fScope.el, fStatus.el, fOver.el), box);
  draw();
}

// --- the operator (运营者) profile ---
const OPERATOR_FIELDS = [{ name: 'name', required: true }, { name: 'sector', type: 'enum', values: Object.keys(LABELS.sector), group: 'sector', required: true },
  { name: 'protection_department' }, { name: 'notified_cii', type: 'bool' }, { name: 'notified_at', type: 'date' }, { name: 'central_or_state_organ', type: 'bool' }];
async function operatorPage(main) {
  const { data: op, etag } = await api('GET', '/operator', undefined, { full: true });
  main.append(h('h1', {}, t('operator')), h('p', { class: 'muted' }, t('operator_help')),
    h('dl', { class: 'kv', id: 'operator' }, OPERATOR_FIELDS.flatMap((f) => [h('dt', {}, fl(f.name)), h('dd', {}, f.type === 'bool' ? yesno(op[f.name]) : f.group ? lab(f.group, op[f.name]) : op[f.name] ?? '')]),
      h('dt', {}, 'updated_at'), h('dd', {}, fmtTime(op.updated_at))));
  if (can('body')) {
    main.append(h('h2', {}, t('edit')), form(OPERATOR_FIELDS, op, async (v) => {
      const body = { ...v, protection_department: v.protection_department ?? '' };
      await api('PUT', '/operator', body, { headers: { 'If-Match': etag } }); render();
    }, { label: t('operator') }));
  }
}

// --- the screening wizard (the seeds' upfront questions for a new AI project) ---
async function wizard(main) {
  const [all, per] = await Promise.all([systemsAll(), perimeters()]);
  main.append(h('h1', {}, t('screening')), h('p', {}, t('wizard_intro')));
  // the seeds' upfront assessment first (advice 01), then what refines the result
  const specs = [
    { name: 'sector', label: t('q_sector'), type: 'enum', values: Object.keys(LABELS.sector), group: 'sector', required: true },
    { name: 'supports_core_business', label: t('q_core'), type: 'bool' },
    { name: 'coupled_to_cii', label: t('q_coupled'), type: 'bool', hint: t('q_coupled_hint') },
    { name: 'harm_if_compromised', label: t('q_harm'), type: 'enum', values: ['minor', 'moderate', 'serious'], group: 'harm', required: true },
    { name: 'users', label: t('q_users'), type: 'number' },
    { name: 'cross_sector_impact', label: t('q_cross'), type: 'bool' },
    { name: 'serves_cii_operators', label: t('q_serves_cii'), type: 'bool' },
    { name: 'data.important_data', type: 'bool', hint: t('q_data') }, { name: 'data.core_data', type: 'bool' }, { name: 'data.pi_subjects', type: 'number' },
    { name: 'ai.kind', label: t('q_ai'), type: 'enum', values: Object.keys(LABELS.ai_kind), group: 'ai_kind' },
    { name: 'ai.model_source', type: 'enum', values: Object.keys(LABELS.model_source), group: 'model_source' }, { name: 'ai.public_generative_service', type: 'bool' },
    { name: 'links', label: t('q_links'), type: 'systems' },
    { name: 'notified_cii', label: t('q_notified'), type: 'bool' }];
  const result = h('section', { id: 'screening-result', 'aria-live': 'polite' });
  let last = null;
  const f = form(specs, { sector: 'energy', harm_if_compromised: 'minor' }, async (v) => {
    const links = v.links || [], coupled = v.coupled_to_cii;
    delete v.links; delete v.coupled_to_cii;
    const body = systemBody(v);
    body.links = links.map((to) => ({ kind: 'depends_on', to }));
    const r = await api('POST', '/screening', { ...body, coupled_to_cii: coupled || links.some((id) => ['cii', 'likely_cii'].includes(per.of[id])) });
    last = body;
    fill(result, h('h2', {}, t('screening_result'), ' ', perimeterTag(r.perimeter)), h('p', { id: 'perimeter-help' }, t('perimeter_help_' + r.perimeter)),
      h('h3', {}, t('result_explained')), reasonsList(r.reasons),
      r.ai_scenarios && r.ai_scenarios.length ? [h('h3', {}, t('ai_scenarios')), h('ul', { id: 'ai-scenarios' }, r.ai_scenarios.map((s) => h('li', {}, pick(s.text), s.duties ? h('div', { class: 'muted' }, s.duties.map((u) => u.split(':').pop()).join(', ')) : null)))] : null,
      can('systems') ? [h('h3', {}, t('save_as_system')), form([{ name: 'id', required: true }, { name: 'name', required: true }, { name: 'owner' }, { name: 'status', type: 'enum', values: Object.keys(LABELS.status), group: 'status', required: true }],
        { status: 'planned', owner: S.me.role === 'project_owner' ? S.me.user : '' }, async (w) => { const s = await api('POST', '/systems', systemBody(w, last)); location.hash = '#/systems/' + enc(s.id); }, { submit: t('save_as_system') })] : null);
    result.querySelector('h2').scrollIntoView?.({ block: 'nearest' });
    return '';
  }, { submit: t('screen_now'), label: t('screening'), ctx: { systems: all.map((s) => ({ id: s.id, name: `${s.name} (${lab('perimeter', per.of[s.id])})` })) } });
  f.fields[0].el.before(h('h2', { class: 'wide' }, t('upfront')));
  f.fields[4].el.before(h('h2', { class: 'wide' }, t('more_details')));
  main.append(f, result);
}

// --- incidents ---
const GRADE_INPUTS = [
  { name: 'cii_whole_outage_minutes', type: 'number' }, { name: 'cii_main_function_outage_minutes', type: 'number' }, { name: 'people_affected', type: 'number' },
  { name: 'province_population_share_percent', type: 'number' }, { name: 'prefecture_population_share_percent', type: 'number' },
  { name: 'portal_level', type: 'enum', values: Object.keys(LABELS.portal_level), group: 'portal_level' }, { name: 'portal_unreachable_minutes', type: 'number' },
  { name: 'spread_homepage_minutes', type: 'number' }, { name: 'spread_other_page_minutes', type: 'number' }, { name: 'spread_reposts', type: 'number' }, { name: 'spread_views', type: 'number' },
  { name: 'pi_subjects_leaked', type: 'number' }, { name: 'direct_loss_cny', type: 'number' },
  { name: 'important_data_impact', type: 'enum', values: Object.keys(LABELS.important_data_impact), group: 'important_data_impact' }, { name: 'suspected_crime', type: 'bool' }];
const INCIDENT_FIELDS = [
  { name: 'title', required: true }, { name: 'type', type: 'enum', values: Object.keys(LABELS.incident_type), group: 'incident_type', required: true },
  { name: 'detected_by', type: 'enum', values: Object.keys(LABELS.detected_by), group: 'detected_by' },
  { name: 'discovered_at', type: 'datetime', required: true, hint: 'UTC+8' }, { name: 'occurred_at', type: 'datetime', hint: 'UTC+8' }, { name: 'systems', type: 'systems' },
  { name: 'description', type: 'long' }, { name: 'measures', type: 'long' }];
const clean = (v) => Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null && x !== ''));
function gradePanel() {
  const box = h('section', { id: 'grade-panel', class: 'card', 'aria-live': 'polite' });
  box.show = (g) => {
    fill(box, h('h2', {}, t('grade'), ' ', h('span', { id: 'grade' }, gradeTag(g.grade))), h('p', {}, `${t('must_report')}: ${yesno(g.must_report)}`, g.draft_criteria ? ` · ${g.draft_criteria} ${t('draft_criteria')}` : ''),
      g.criteria.length ? [h('h3', {}, t('criteria')), h('ul', {}, g.criteria.map((c) => h('li', {}, gradeTag(c.grade), ' ', c.text, h('span', { class: 'muted' }, ` (${c.source}; ${c.confidence})`))))] : null,
      h('h3', {}, t('recipients')), g.reports.length ? h('table', { id: 'recipients' }, h('thead', {}, h('tr', {}, h('th', {}, t('recipient')), h('th', {}, t('due_at')), h('th', {}, t('time_left')), h('th', {}, t('source')))),
        h('tbody', {}, g.reports.map((r) => h('tr', {}, h('td', {}, lab('recipient', r.recipient)), h('td', {}, r.due_at ? fmtTime(r.due_at) : '—'), h('td', {}, r.due_at ? countdown(r.due_at) : '—'), h('td', {}, r.source))))) : h('p', { class: 'muted' }, t('none')),
      g.escalations.length ? [h('h3', {}, t('escalations')), h('ul', {}, g.escalations.map((e) => h('li', {}, `${lab('recipient', e.by) || ''} → ${(Array.isArray(e.to) ? e.to : [e.to]).map((x) => lab('recipient', x)).join(', ')}: ${e.within_minutes} min (${e.source})`)))] : null,
      g.final_report_due_days ? h('p', {}, `${t('final_report')}: ${g.final_report_due_days}`) : null);
  };
  return box;
}
// Re-grades as the figures are typed: POST /grade changes nothing.
function liveGrade(f, panel, base) {
  let timer = null, seq = 0;
  const run = async () => {
    const mine = ++seq;
    const vals = {};
    for (const x of f.fields) if (GRADE_INPUTS.some((g) => g.name === x.spec.name) || x.spec.name === 'discovered_at' || x.spec.name === 'systems') vals[x.spec.name] = x.get();
    const input = clean({ ...base.figures, ...vals });
    const systems = input.systems || []; delete input.systems;
    // as the server derives them when it stores the incident (lib/incident.c, grade_input)
    input.involves_cii = systems.some((id) => base.notified[id]);
    input.operator_type = base.central ? 'central_organ' : base.ciiOperator || input.involves_cii ? 'cii' : 'other';
    if (!input.discovered_at) return;
    try { const g = await api('POST', '/grade', input); if (mine === seq) { panel.show(g); clearErrors(f); } }
    catch (e) { if (mine === seq && e instanceof ApiError) showError(f, e.problem, false); } // typing goes on where it is
  };
  f.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(run, 200); });
  f.addEventListener('change', () => { clearTimeout(timer); timer = setTimeout(run, 50); });
  return run;
}
async function gradeContext() {
  const [all, op] = await Promise.all([systemsAll(), api('GET', '/operator').catch(() => null)]);
  const o = op && (op.operator || op);
  return { all, notified: Object.fromEntries(all.map((s) => [s.id, !!s.notified_cii])), central: !!(o && o.central_or_state_organ), ciiOperator: !!(o && o.notified_cii) };
}
async function incidentsPage(main) {
  const [list, due] = await Promise.all([listAll('/incidents'), api('GET', '/due')]);
  const next = {};
  for (const d of due.deadlines) if (d.incident && !d.met && (!next[d.incident] || d.due_at < next[d.incident].due_at)) next[d.incident] = d;
  main.append(h('h1', {}, t('incidents')), h('div', { class: 'actions' }, can('systems') ? h('a', { href: '#/incidents/new', id: 'new-incident' }, '+ ' + t('new_incident')) : null),
    h('div', { class: 'scroll' }, h('table', { id: 'incidents' }, h('thead', {}, h('tr', {}, h('th', {}, t('id')), h('th', {}, t('title')), h('th', {}, t('grade')), h('th', {}, t('status')), h('th', {}, t('discovered_at')), h('th', {}, t('time_left')))),
      h('tbody', {}, list.items.map((i) => h('tr', {}, h('td', {}, h('a', { href: '#/incidents/' + enc(i.id) }, i.id)), h('td', {}, i.title), h('td', {}, gradeTag(i.grade)), h('td', {}, lab('incident_status', i.status)),
        h('td', {}, fmtTime(i.discovered_at)), h('td', {}, next[i.id] ? [lab('recipient', next[i.id].recipient), ': ', countdown(next[i.id].due_at)] : '—')))))));
}
async function incidentNew(main) {
  main.append(h('h1', {}, t('new_incident')));
  if (!can('systems')) return main.append(alertBox(t('read_only'), 'ok'));
  const ctx = await gradeContext();
  const panel = gradePanel();
  const f = form([...INCIDENT_FIELDS, ...GRADE_INPUTS], { discovered_at: new Date().toISOString(), detected_by: 'self' }, async (v) => {
    const i = await api('POST', '/incidents', clean(v)); location.hash = '#/incidents/' + enc(i.id);
  }, { submit: t('create'), ctx: { systems: ctx.all }, label: t('new_incident') });
  main.append(h('p', { class: 'muted' }, t('impact_help')), h('div', { class: 'grid2' }, f, panel));
  await liveGrade(f, panel, { figures: {}, ...ctx })();
}
async function incidentDetail(main, id) {
  const [{ data: inc, etag }, g, ctx] = await Promise.all([api('GET', '/incidents/' + enc(id), undefined, { full: true }), api('GET', `/incidents/${enc(id)}/grade`), gradeContext()]);
  const editable = can('systems') && inc.status !== 'closed';
  main.append(h('h1', {}, `${inc.id} ${inc.title} `, gradeTag(inc.grade)), h('p', { class: 'muted' }, lab('incident_type', inc.type), ' · ', t('discovered_at'), ' ', fmtTime(inc.discovered_at), ' · ', lab('incident_status', inc.status)));
  const panel = gradePanel(); panel.show(g);
  const figures = Object.fromEntries(GRADE_INPUTS.map((x) => [x.name, inc[x.name]]).filter(([, v]) => v !== undefined && v !== null));
  if (editable) {
    const f = form([...GRADE_INPUTS, { name: 'systems', type: 'systems' }, { name: 'measures', type: 'long' }], inc, async (v) => {
      await api('PUT', '/incidents/' + enc(id), v, { headers: { 'If-Match': etag } }); render();
    }, { ctx: { systems: ctx.all }, label: t('impact') });
    liveGrade(f, panel, { figures: { discovered_at: inc.discovered_at, ...figures }, ...ctx });
    main.append(h('h2', {}, t('impact')), h('p', { class: 'muted' }, t('impact_help')), h('div', { class: 'grid2' }, f, panel));
  } else main.append(h('div', { class: 'grid2' }, h('dl', { class: 'kv' }, Object.entries(figures).flatMap(([k, v]) => [h('dt', {}, fl(k)), h('dd', {}, typeof v === 'boolean' ? yesno(v) : String(v))])), panel));
  // reports: generated by the server in the chosen language and format
  const kind = field({ name: 'report_kind', label: t('report_kind'), type: 'enum', values: ['initial', 'supplement', 'final'], group: 'report_kind', required: true }, 'initial');
  const fmt = field({ name: 'format', label: t('format'), type: 'enum', values: ['html', 'md', 'json'], required: true }, 'html');
  const rl = field({ name: 'report_lang', label: t('language'), type: 'enum', values: ['zh', 'en'], required: true }, S.lang);
  const out = h('span', { role: 'status' });
  main.append(h('h2', {}, t('reports')), h('div', { class: 'filters' }, kind.el, fmt.el, rl.el, h('button', { type: 'button', id: 'download-report', onclick: async () => {
    try {
      const blob = await api('GET', `/incidents/${enc(id)}/report` + q({ kind: kind.get(), format: fmt.get() }), undefined, { blob: true, headers: { 'Accept-Language': rl.get() === 'zh' ? 'zh-CN' : 'en' }, accept: '*/*' });
      const a = h('a', { href: URL.createObjectURL(blob), download: `${id}-${kind.get()}-${rl.get()}.${fmt.get()}` });
      document.body.append(a); a.click(); a.remove(); out.textContent = '';
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    } catch (e) { out.textContent = e.message; } } }, t('download')), out));
  // submissions and actions
  main.append(h('h2', {}, t('submissions')), h('table', { id: 'submissions' }, h('thead', {}, h('tr', {}, h('th', {}, t('report_kind')), h('th', {}, t('recipient')), h('th', {}, t('submitted_at')), h('th', {}, t('channel')))),
    h('tbody', {}, (inc.submissions || []).map((s) => h('tr', {}, h('td', {}, lab('report_kind', s.kind)), h('td', {}, lab('recipient', s.recipient)), h('td', {}, fmtTime(s.at)), h('td', {}, s.channel || ''))))));
  if (editable) main.append(form([{ name: 'kind', type: 'enum', values: ['initial', 'supplement', 'final'], group: 'report_kind', required: true, label: t('report_kind') },
    { name: 'recipient', type: 'enum', values: [...new Set([...g.reports.map((r) => r.recipient), ...Object.keys(LABELS.recipient)])], group: 'recipient', required: true, label: t('recipient') },
    { name: 'at', type: 'datetime', label: t('submitted_at'), hint: 'UTC+8' }, { name: 'channel', label: t('channel') }], { kind: 'initial', at: new Date().toISOString(), recipient: g.reports[0]?.recipient },
  async (v) => { await api('POST', `/incidents/${enc(id)}/submissions`, clean(v), { headers: { 'If-Match': etag } }); render(); }, { submit: t('record_submission'), label: t('record_submission') }));
  main.append(h('h2', {}, t('actions')), h('ul', { id: 'actions' }, (inc.actions || []).map((a) => h('li', {}, fmtTime(a.at), ' — ', a.text))));
  if (editable) {
    main.append(form([{ name: 'text', type: 'long', required: true, label: t('text') }], {}, async (v) => { await api('POST', `/incidents/${enc(id)}/actions`, v, { headers: { 'If-Match': etag } }); render(); }, { submit: t('add_action'), label: t('add_action') }));
    main.append(h('div', { class: 'actions' }, actionButton({ class: 'danger', id: 'close-incident' }, t('close_incident'), async () => { if (confirm(t('close_incident') + '?')) { await api('POST', `/incidents/${enc(id)}/close`, {}, { headers: { 'If-Match': etag } }); render(); } })));
  }
}

// --- registers ---
let KINDS = null;
const RTYPE = { text: 'text', long_text: 'long', enum: 'enum', date: 'date', bool: 'bool', amount: 'number', list: 'list', systems: 'systems', ref: 'ref', years: 'years', refs: 'refs' };
// The principal's approval is given through .../approve by the principal or an admin, never typed.
const formFields = (k) => k.fields.filter((f) => !f.name.startsWith('principal_approval_')).map(specOf);
const specOf = (f) => ({ name: f.name, type: RTYPE[f.type] || 'text', values: f.values, required: f.required, ref: f.ref, group: f.values ? 'value' : null });
async function registerCtx(kind) {
  const k = KINDS.find((x) => x.kind === kind);
  const refs = {};
  const need = new Set(k.fields.filter((f) => f.ref).map((f) => f.ref));
  const [systems] = await Promise.all([systemsAll(), ...[...need].map(async (r) => { refs[r] = (await listAll(`/registers/${r}`)).items; })]);
  return { k, ctx: { systems, refs } };
}
async function registersPage(main, kind) {
  KINDS ||= (await api('GET', '/kinds')).kinds;
  kind ||= 'vendor';
  const k = KINDS.find((x) => x.kind === kind);
  if (!k) return main.append(alertBox(t('not_found')));
  const [list, findings] = await Promise.all([listAll(`/registers/${kind}`), api('GET', '/registers')]);
  main.append(h('h1', {}, t('registers'), ': ', lab('kind', kind)), h('nav', { class: 'actions', 'aria-label': t('registers') }, KINDS.map((x) => h('a', { href: '#/registers/' + x.kind, 'aria-current': x.kind === kind ? 'page' : null }, lab('kind', x.kind)))));
  const cols = k.fields.slice(0, 4);
  main.append(h('div', { class: 'scroll' }, h('table', { id: 'records' }, h('thead', {}, h('tr', {}, h('th', {}, t('id')), cols.map((f) => h('th', {}, fl(f.name))))),
    h('tbody', {}, list.items.map((r) => h('tr', {}, h('td', {}, h('a', { href: `#/registers/${kind}/${enc(r.id)}` }, r.id)), cols.map((f) => h('td', {}, show(f, r[f.name])))))))));
  main.append(exportLinks(kind));
  const mine = findings.findings.filter((x) => x.register === kind);
  if (mine.length) main.append(h('h2', {}, t('findings')), h('ul', { id: 'findings' }, mine.map((x) => h('li', {}, h('a', { href: `#/registers/${kind}/${enc(x.id)}` }, x.id), ' ',
    x.overdue ? h('span', { class: 'overdue' }, t('obl_overdue') + ' ') : '', x.text, h('span', { class: 'muted' }, ` (${x.source})`)))));
  if (canRegister(kind)) {
    const { ctx } = await registerCtx(kind);
    main.append(h('h2', {}, t('new_record')), form(formFields(k), {}, async (v) => { const r = await api('POST', `/registers/${kind}`, clean(v)); location.hash = `#/registers/${kind}/${enc(r.id)}`; }, { submit: t('create'), ctx, label: t('new_record') }));
    main.append(h('h2', {}, t('import')), importForm(kind));
  }
}
function show(f, v) {
  if (v === undefined || v === null) return '';
  if (f.type === 'bool') return yesno(v);
  if (f.type === 'enum') return lab('value', v);
  if (Array.isArray(v)) return v.join(', ');
  if (typeof v === 'object') return Object.entries(v).map(([a, b]) => `${a}: ${b}`).join(', ');
  return String(v);
}
async function recordDetail(main, kind, id) {
  KINDS ||= (await api('GET', '/kinds')).kinds;
  const [{ data: r, etag }, { k, ctx }] = await Promise.all([api('GET', `/registers/${kind}/${enc(id)}`, undefined, { full: true }), registerCtx(kind)]);
  main.append(h('p', {}, h('a', { href: '#/registers/' + kind }, '← ' + lab('kind', kind))), h('h1', {}, r.id, ' ', r.name || r.title || ''));
  main.append(h('dl', { class: 'kv', id: 'record' }, k.fields.flatMap((f) => [h('dt', {}, fl(f.name)), h('dd', {}, show(f, r[f.name]))]), h('dt', {}, 'updated_at'), h('dd', {}, fmtTime(r.updated_at))));
  if ((kind === 'decision' || kind === 'assessment') && can('approve')) {
    const people = (ctx.refs.person || (await listAll('/registers/person')).items).filter((p) => p.role === 'principal');
    main.append(h('h2', {}, t('approve')), form([{ name: 'by', label: fl('principal_approval_by'), type: 'ref', ref: 'person', required: true }, { name: 'on', type: 'date', label: fl('principal_approval_on') }],
      {}, async (v) => { await api('POST', `/registers/${kind}/${enc(id)}/approve`, clean(v), { headers: { 'If-Match': etag } }); render(); }, { submit: t('approve'), ctx: { refs: { person: people } } }));
  }
  if (canRegister(kind)) {
    main.append(h('h2', {}, t('edit')), form(formFields(k), r, async (v) => { await api('PUT', `/registers/${kind}/${enc(id)}`, v, { headers: { 'If-Match': etag } }); render(); }, { ctx, label: t('edit') }));
    main.append(h('div', { class: 'actions' }, actionButton({ class: 'danger' }, t('delete'), async () => { if (confirm(t('delete') + ' ' + id + '?')) { await api('DELETE', `/registers/${kind}/${enc(id)}`, undefined, { headers: { 'If-Match': etag } }); location.hash = '#/registers/' + kind; } })));
  }
}

// --- the rule catalog: provision by provision, with what each creates ---
let LIBS = null;
async function libraries() {
  if (LIBS) return LIBS;
  const list = (await api('GET', '/catalogs')).libraries;
  const docs = await Promise.all(list.map((l) => api('GET', '/catalogs/' + enc(l.urn))));
  const obl = await api('GET', '/obligations');
  const penalties = {};
  const nodes = {};
  for (const d of docs) for (const p of d.objects.penalties || []) penalties[p.id] = { ...p, library: d.urn };
  for (const d of docs) for (const n of (d.objects.framework && d.objects.framework.requirement_nodes) || []) nodes[n.urn] = n;
  return (LIBS = { list, docs, obligations: obl.obligations, penalties, nodes });
}
function provisionText(n) { const zh = n.translations && n.translations.zh; return { name: S.lang === 'zh' && zh && zh.name ? zh.name : n.name, description: S.lang === 'zh' && zh && zh.description ? zh.description : n.description }; }
function provisionCard(n, L) {
  const tx = provisionText(n);
  const obl = L.obligations.filter((o) => o.urn === n.urn);
  const sanctions = n.sanction ? (typeof n.sanction === 'string' ? [n.sanction] : [n.sanction.id, ...(n.sanction.also || [])]) : [];
  const byStatus = {};
  for (const o of obl) byStatus[o.status] = (byStatus[o.status] || 0) + 1;
  return h('article', { class: 'provision', id: 'p-' + n.urn.replace(/[^a-z0-9]+/gi, '-') },
    h('div', {}, h('span', { class: 'ref' }, n.ref_id || ''), h('strong', {}, tx.name || '')),
    tx.description ? h('p', {}, tx.description) : null,
    n.text ? h('p', {}, pick(n.text)) : null,
    h('div', { class: 'muted' }, n.source ? `${t('source')}: ${n.source.law} ${n.source.article || ''}` : '', n.effective ? ` · ${t('effective')} ${n.effective}` : '', n.confidence ? ` · ${t('confidence')}: ${n.confidence}` : ''),
    n.applies_to ? h('div', {}, `${t('applies_to')}: `, n.applies_to.map((p) => perimeterTag(p))) : null,
    n.cadence ? h('div', {}, `${t('cadence')}: ${typeof n.cadence === 'object' ? JSON.stringify(n.cadence) : n.cadence}`) : null,
    n.evidence ? [h('div', {}, t('evidence_expected')), h('ul', {}, n.evidence.map((e) => h('li', {}, pick(e))))] : null,
    obl.length ? h('div', { class: 'creates' }, `${t('creates')}: ${obl.length} ${t('obligations')} (`, Object.entries(byStatus).map(([s, c]) => `${lab('obligation_status', s)} ${c}`).join(', '), ')') : null,
    n.recipients ? h('div', {}, `${t('clocks')}: `, n.recipients.map((r) => `${lab('recipient', r.recipient)} ${r.within ? Object.entries(r.within).map(([u, v]) => v + ' ' + u).join(' ') : ''}`).join('; ')) : null,
    n.tiers ? h('div', {}, n.tiers.map((x) => `${lab('grade', x.grade)} ≥ ${x.at_least ?? ''}`).join(' · ')) : null,
    n.maps_to ? h('div', { class: 'controls' }, `${t('controls')}: `, n.maps_to.map((u) => { const c = L.nodes[u]; return h('a', { href: '#/catalog/' + enc(u.split(':').slice(0, 4).join(':').replace('req_node', 'library')) }, c ? `${c.ref_id} ${provisionText(c).name}` : u); }).reduce((a, x) => (a.length ? [...a, '; ', x] : [x]), [])) : null,
    sanctions.map((id) => L.penalties[id] ? h('div', { class: 'sanction' }, `${t('sanction')}: `, pick(L.penalties[id].text)) : null));
}
async function catalogPage(main, key) {
  const L = await libraries();
  const search = field({ name: 'q', label: t('search_rules') });
  search.input.type = 'search';
  const results = h('div', { id: 'catalog-content' });
  const nodesOf = (d) => [...(d.objects.framework ? d.objects.framework.requirement_nodes || [] : []), ...(d.objects.penalties || []), ...(d.objects.incident_reporting || []), ...(d.objects.incident_criteria || []),
    ...(d.objects.screening_rules || []), ...(d.objects.register_rules || [])].map((n) => ({ ...n, urn: n.urn || `${d.urn}:${n.id}`, ref_id: n.ref_id || n.id }));
  const doc = key ? L.docs.find((d) => d.urn === key) : null;
  main.append(h('h1', {}, t('catalog')), h('div', { class: 'filters', role: 'search' }, search.el));
  const nav = h('nav', { 'aria-label': t('libraries') }, h('strong', {}, t('libraries')), L.docs.map((d) => h('a', { href: '#/catalog/' + enc(d.urn), 'aria-current': d === doc ? 'page' : null },
    (S.lang === 'zh' && d.translations && d.translations.zh && d.translations.zh.name) || d.name)));
  main.append(h('div', { class: 'tree' }, nav, results));
  const draw = () => {
    const text = (search.get() || '').toLowerCase();
    let nodes;
    if (text) nodes = L.docs.flatMap(nodesOf).filter((n) => JSON.stringify([n.ref_id, n.name, n.description, n.text, n.translations, n.source]).toLowerCase().includes(text));
    else nodes = doc ? nodesOf(doc) : [];
    fill(results, text ? h('p', { class: 'muted', role: 'status' }, `${nodes.length} ${t('matches')}`) : doc ? h('h2', {}, (S.lang === 'zh' && doc.translations?.zh?.name) || doc.name) : h('p', {}, t('provisions')),
      nodes.slice(0, 300).map((n) => provisionCard(n, L)));
  };
  search.input.addEventListener('input', draw);
  if (!key) location.replace('#/catalog/' + enc(L.docs.find((d) => d.urn.endsWith('order-745'))?.urn || L.docs[0].urn));
  else draw();
}

// --- the audit trail ---
async function auditPage(main, _x, offset = 0) {
  if (!can('audit')) return main.append(alertBox(t('read_only'), 'ok'));
  const out = h('div', { id: 'verify-result', role: 'status' });
  main.append(h('h1', {}, t('audit')), h('div', { class: 'actions' }, h('button', { type: 'button', id: 'verify', onclick: async () => {
    fill(out, t('loading'));
    try { const v = await api('GET', '/audit/verify'); fill(out, alertBox(v.ok === false ? t('verify_failed') : `${t('verified')} (${v.events} ${t('events')})`, v.ok === false ? 'error' : 'ok')); }
    catch (e) { fill(out, alertBox(`${t('verify_failed')}: ${e.message}`)); } } }, t('verify'))), out);
  const tableBox = h('div');
  main.append(tableBox);
  const page = async (off) => {
    const log = await api('GET', '/audit/log' + q({ limit: 50, offset: off }));
    fill(tableBox, h('div', { class: 'scroll' }, h('table', { id: 'audit-log' }, h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, t('at')), h('th', {}, t('actor')), h('th', {}, t('action')), h('th', {}, t('entity')))),
      h('tbody', {}, log.items.map((e) => h('tr', {}, h('td', {}, e.seq), h('td', {}, fmtTime(e.at)), h('td', {}, e.actor), h('td', {}, e.action), h('td', {}, `${e.entity_type}:${e.entity_id}`)))))),
    h('div', { class: 'actions' }, off > 0 ? h('button', { type: 'button', class: 'secondary', onclick: () => page(Math.max(0, off - 50)) }, '←') : null,
      log.items.length === 50 ? h('button', { type: 'button', class: 'secondary', onclick: () => page(off + 50) }, t('more') + ' →') : null));
  };
  await page(offset);
}

// --- users and tokens (admins; every user sees its own tokens) ---
async function adminPage(main) {
  main.append(h('h1', {}, t('admin')));
  if (can('admin')) {
    const { items } = await listAll('/users');
    main.append(h('h2', {}, t('users')), h('div', { class: 'scroll' }, h('table', { id: 'users' }, h('thead', {}, h('tr', {}, h('th', {}, t('user')), h('th', {}, t('role')), h('th', {}, t('language')), h('th', {}, t('status')), h('th', {}, ''))),
      h('tbody', {}, items.map((u) => h('tr', {}, h('td', {}, u.name), h('td', {}, lab('role', u.role)), h('td', {}, u.lang || ''), h('td', {}, u.disabled ? t('disabled') : ''),
        h('td', {}, u.name === S.me.user ? '' : actionButton({ class: 'secondary' }, u.disabled ? t('enable') : t('disable'), async () => { await api('PUT', '/users/' + enc(u.name), { disabled: !u.disabled }, { headers: { 'If-Match': u.etag } }); render(); }))))))));
    main.append(h('h3', {}, t('new_user')), form([{ name: 'name', required: true }, { name: 'role', type: 'enum', values: Object.keys(LABELS.role), group: 'role', required: true },
      { name: 'password', type: 'password', required: true, hint: S.lang === 'zh' ? '至少 12 个字符' : 'at least 12 characters' }, { name: 'lang', type: 'enum', values: ['zh', 'en'] }], { role: 'auditor', lang: S.lang },
    async (v) => { await api('POST', '/users', clean(v)); render(); }, { submit: t('add'), label: t('new_user') }));
  }
  const { items: tl } = await listAll('/tokens');
  const shown = h('div', { id: 'new-token', role: 'status' });
  main.append(h('h2', {}, t('tokens')), h('div', { class: 'scroll' }, h('table', { id: 'tokens' }, h('thead', {}, h('tr', {}, h('th', {}, 'id'), h('th', {}, t('user')), h('th', {}, t('scope')), h('th', {}, t('expires')), h('th', {}, t('status')), h('th', {}, ''))),
    h('tbody', {}, tl.map((x) => h('tr', {}, h('td', {}, x.id), h('td', {}, x.user), h('td', {}, x.scope), h('td', {}, x.expires_at ? fmtTime(x.expires_at) : '—'), h('td', {}, x.revoked_at ? t('revoked') : x.expired ? t('expires') : ''),
      h('td', {}, x.revoked_at ? '' : actionButton({ class: 'secondary' }, t('revoke'), async () => { await api('DELETE', '/tokens/' + x.id); render(); }))))))));
  main.append(h('h3', {}, t('new_token')), shown, form([...(can('admin') ? [{ name: 'user', label: t('user') }] : []), { name: 'scope', label: t('scope'), type: 'enum', values: ['read', 'write'], required: true }, { name: 'expires', label: t('expires_in') }],
    { scope: 'read', expires: '90d' }, async (v) => { const r = await api('POST', '/tokens', clean(v)); fill(shown, alertBox([t('token_once'), ' ', h('code', {}, r.token)], 'ok')); return ''; }, { submit: t('new_token'), label: t('new_token') }));
}

// --- the router ---
const ROUTES = [
  [/^#?\/?$/, dashboard], [/^#\/systems$/, systemsPage], [/^#\/systems\/new$/, systemNew], [/^#\/systems\/([^/]+)$/, systemDetail],
  [/^#\/obligations$/, obligationsPage], [/^#\/screening$/, wizard], [/^#\/incidents$/, incidentsPage], [/^#\/incidents\/new$/, incidentNew], [/^#\/incidents\/([^/]+)$/, incidentDetail],
  [/^#\/registers(?:\/([a-z_]+))?$/, registersPage], [/^#\/registers\/([a-z_]+)\/([^/]+)$/, recordDetail],
  [/^#\/catalog(?:\/(.+))?$/, catalogPage], [/^#\/operator$/, operatorPage], [/^#\/audit$/, auditPage], [/^#\/admin$/, adminPage]];
let rendering = 0;
async function render(note) {
  const mine = ++rendering;
  S.charts.forEach((c) => c.dispose()); S.charts = []; S.pending = [];
  header();
  const main = document.getElementById('main');
  fill(main);
  main.setAttribute('aria-busy', 'true');
  if (!S.me) { signInPage(main, note); main.removeAttribute('aria-busy'); return; }
  const hash = location.hash || '#/';
  const r = ROUTES.find(([re]) => re.test(hash));
  try {
    if (!r) throw new ApiError(404, { detail: t('not_found') });
    const args = hash.match(r[0]).slice(1).map((x) => (x === undefined ? x : decodeURIComponent(x)));
    const box = h('div');
    await r[1](box, ...args);
    if (mine !== rendering) return;
    fill(main, box);
    if (S.flash) { box.prepend(h('div', { class: 'alert ok', role: 'status', id: 'flash' }, S.flash)); S.flash = null; }
    const todo = S.pending; S.pending = [];
    todo.forEach((draw) => draw());
  } catch (e) {
    if (mine !== rendering) return;
    fill(main, alertBox(e.message || String(e)));
    if (!(e instanceof ApiError)) console.error(e);
  } finally { if (mine === rendering) main.setAttribute('aria-busy', 'false'); }
}
window.addEventListener('hashchange', () => { render(); document.getElementById('main').focus(); });
// the skip link moves focus to the page's content; it is not a route
document.getElementById('skip').addEventListener('click', (e) => { e.preventDefault(); document.getElementById('main').focus(); });

async function start() {
  S.lang = localStorage.getItem('ciiguard.lang') || ((navigator.language || '').startsWith('zh') ? 'zh' : 'en');
  try {
    const s = await api('GET', '/session', undefined, { quiet: true });
    S.csrf = s.csrf;
    S.me = await api('GET', '/me', undefined, { quiet: true });
    if (S.me.lang) S.lang = S.me.lang;
  } catch { S.me = null; }
  render();
}
start();

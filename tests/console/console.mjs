// The web console end to end in headless chromium (Debian's, driven by playwright-core).
//   node tests/console/console.mjs BASE-URL SCREENSHOT-DIR
// Signs in, screens a new AI project and saves it, uploads evidence, opens an incident and
// watches its grade, recipients and countdown follow the figures typed, downloads a report,
// switches language (remembered for the user), reads the rules, verifies the audit trail, signs
// out; then as an auditor sees no edit controls while the API refuses an edit anyway. Every
// step asserts what a broken console or server would get wrong.
import { chromium } from '../../web/node_modules/playwright-core/index.mjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { LABELS } from '../../web/console/i18n.js';

const [base, shots] = process.argv.slice(2);
let checks = 0;
const problems = [];
function ok(cond, what) {
  checks++;
  if (!cond) throw new Error('FAIL: ' + what);
}
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-US', acceptDownloads: true });
const page = await ctx.newPage();
page.setDefaultTimeout(15000);
// every request of the page stays on ciiguard; no console error (a CSP violation would be one)
page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) problems.push('outside request: ' + r.url()); });
page.on('console', (m) => { if (m.type() === 'error' && !/status of (401|403|422)/.test(m.text())) problems.push('console error: ' + m.text()); });
page.on('pageerror', (e) => problems.push('page error: ' + e.message + (e.stack ? '\n    ' + e.stack.split('\n').slice(1, 6).join('\n    ') : '')));

const ready = () => page.waitForFunction(() => document.getElementById('main').getAttribute('aria-busy') === 'false');
async function go(hash) { await page.goto(base + '/' + hash); await ready(); }
const text = (sel) => page.locator(sel).first().innerText();
// the whole page, but at most the first screens of a long one (the rules run to thousands of pixels)
async function shot(name) {
  await page.waitForTimeout(150);
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true, clip: height > 3000 ? { x: 0, y: 0, width: page.viewportSize().width, height: 3000 } : undefined });
}
async function signIn(user, password) {
  await page.goto(base + '/');
  await page.waitForSelector('form[aria-label] input[name=user]');
  await page.fill('input[name=user]', user);
  await page.fill('input[name=password]', password);
  await page.keyboard.press('Enter');
}
try {
  // --- the page itself: served with a strict policy, from ciiguard alone ---
  const res = await page.goto(base + '/');
  const csp = res.headers()['content-security-policy'] || '';
  ok(/script-src 'self'/.test(csp) && /frame-ancestors 'none'/.test(csp) && !/unsafe-eval/.test(csp), 'the page has a strict Content-Security-Policy: ' + csp);

  // --- sign in: a wrong password is refused, visibly ---
  await signIn('officer', 'not the password at all');
  await page.waitForSelector('.signin .alert.error:not(:empty)');
  ok(/password/i.test(await text('.signin .alert.error')), 'a wrong password is shown as an error');
  await signIn('officer', 'officer password of the test');
  await page.waitForSelector('#whoami');
  ok((await text('#whoami')).includes('officer'), 'signed in as officer');
  const cookies = await ctx.cookies();
  const sc = cookies.find((c) => c.name === 'cg_session');
  ok(sc && sc.httpOnly && sc.sameSite === 'Strict', 'the session cookie is HttpOnly and SameSite=Strict');

  // every value of every register's enums has a label in both languages (the forms show labels)
  const kinds = await page.evaluate(async () => (await (await fetch('/api/v1/kinds')).json()).kinds);
  const unlabelled = kinds.flatMap((k) => k.fields.flatMap((f) => (f.values || []).filter((v) => !LABELS.value[v]).map((v) => `${k.kind}.${f.name}=${v}`)));
  ok(kinds.length === 14 && unlabelled.length === 0, 'every register value is labelled: ' + unlabelled.join(', '));
  const fieldsUnlabelled = kinds.flatMap((k) => k.fields.filter((f) => !LABELS.field[f.name]).map((f) => `${k.kind}.${f.name}`));
  ok(fieldsUnlabelled.length === 0, 'every register field is labelled: ' + fieldsUnlabelled.join(', '));

  // the skip link moves to the content without leaving the page
  await page.keyboard.press('Tab');
  ok(await page.evaluate(() => document.activeElement.id) === 'skip', 'the first Tab reaches the skip link');
  await page.keyboard.press('Enter');
  ok(await page.evaluate(() => document.activeElement.id) === 'main' && !(await page.locator('main .alert.error').count()), 'the skip link focuses the content');

  // --- dashboard: cards and charts from the API ---
  await ready();
  ok((await text('h1')) === 'Dashboard', 'the dashboard in English');
  await page.waitForSelector('#chart-perimeter svg');
  ok((await page.locator('#chart-perimeter svg').innerHTML()).includes('CII'), 'the perimeter chart shows CII');
  ok(/^\s*13/.test((await text('#card-systems .big'))), 'the demo has 13 systems on the dashboard');
  await shot('en-dashboard');

  // --- the screening wizard: a new AI project, explained, then saved ---
  await go('#/screening');
  await page.selectOption('select[name=sector]', 'energy');
  await page.check('input[name=supports_core_business]');
  await page.selectOption('select[name=harm_if_compromised]', 'serious');
  await page.fill('input[name=users]', '2000000');
  await page.selectOption('select[name="ai.kind"]', 'agent');
  await page.selectOption('select[name=links]', ['ems-scada']);
  await page.click('form button[type=submit]');
  await page.waitForSelector('#screening-result h2');
  ok((await text('#screening-result h2')).includes('likely CII'), 'the wizard screens a core-business energy AI as likely CII');
  ok((await page.locator('#screening-result #reasons li').count()) >= 2, 'the result is explained by its reasons');
  ok((await text('#screening-result #reasons')).includes('Art. 9'), 'the reasons cite Order 745');
  await shot('en-screening');
  const save = page.locator('#screening-result form');
  await save.locator('input[name=id]').fill('grid-agent');
  await save.locator('input[name=name]').fill('Grid operations agent');
  await save.locator('button[type=submit]').click();
  await page.waitForURL(/#\/systems\/grid-agent$/);
  await ready();
  ok((await text('h1')).includes('Grid operations agent'), 'the screened project is saved as a system');
  ok((await text('h1 .tag')) === 'likely CII', 'the stored system keeps its perimeter');
  await page.waitForSelector('#dependency-graph svg');
  ok((await page.locator('#dependency-graph svg').innerHTML()).includes('ems-scada'), 'the dependency graph shows the link to ems-scada');

  // --- evidence: upload a file against the system's first obligation, then list it ---
  const evButton = page.locator('table.obligations button[data-urn]').first();
  const urn = await evButton.getAttribute('data-urn');
  await evButton.click();
  const evForm = page.locator('.evidence form:has(input[type=file])');
  const evBytes = Buffer.from('MLPS level 3 filing, 等级保护备案\n');
  await evForm.locator('input[type=file]').setInputFiles({ name: 'mlps-filing.txt', mimeType: 'text/plain', buffer: evBytes });
  await evForm.locator('button[type=submit]').click();
  await page.waitForSelector('.evidence a[download="mlps-filing.txt"]');
  const ev = await page.evaluate(async (u) => (await (await fetch(`/api/v1/evidence?scope=grid-agent&urn=${encodeURIComponent(u)}`)).json()).items, urn);
  ok(ev.length === 1 && ev[0].filename === 'mlps-filing.txt' && ev[0].size === evBytes.length, 'the evidence is stored with its name and size');
  // a link to a record as evidence (POST /evidence?link=, no file) is listed beside the file
  const linked = await page.evaluate(async (u) => {
    const s = await (await fetch('/api/v1/session')).json();
    return (await fetch(`/api/v1/evidence?scope=grid-agent&urn=${encodeURIComponent(u)}&link=system:ems-scada`, { method: 'POST', headers: { 'X-CSRF-Token': s.csrf } })).status;
  }, urn);
  ok(linked === 201, `a link as evidence: ${linked}`);
  await evButton.click();
  await page.waitForSelector('.evidence li.link code:text-is("system:ems-scada")');
  ok(await page.locator('.evidence a[download="mlps-filing.txt"]').count() === 1, 'the file is listed beside the link');
  await shot('en-system');
  // its dependencies edited: a second link appears in the graph
  await page.click('#edit-system');
  const sf = page.locator('form:has(input[name=links])');
  await sf.locator('input[name=links]').fill('depends_on:ems-scada, exchanges_data:power-data-platform');
  await sf.locator('button[type=submit]').click();
  await page.waitForFunction(() => document.querySelector('#dependency-graph svg')?.innerHTML.includes('power-data-platform'));
  const links = await page.evaluate(async () => (await (await fetch('/api/v1/systems/grid-agent')).json()).links);
  ok(links.length === 2 && links.some((l) => l.kind === 'exchanges_data' && l.to === 'power-data-platform'), 'a link is added from the console');

  // --- obligations: one of the organisation's recorded as met, with its date ---
  await go('#/obligations');
  const before = await page.evaluate(async () => (await (await fetch('/api/v1/status')).json()).obligations.met);
  await page.locator('table.obligations button[data-urn]').first().click();
  const of = page.locator('.evidence form:has(select[name=status])');
  await of.locator('select[name=status]').selectOption('met');
  await of.locator('input[name=met_on]').fill('2026-11-20');
  await of.locator('button[type=submit]').click();
  await page.waitForSelector('.evidence form:has(select[name=status]) .alert.ok:not(:empty)');
  const met = await page.evaluate(async () => (await (await fetch('/api/v1/status')).json()).obligations.met);
  ok(met === before + 1, `an obligation recorded as met from the console counts (${before} then ${met})`);

  // --- an incident: the grade and the recipients follow the figures as they are typed ---
  await go('#/incidents/new');
  const f = page.locator('form[aria-label="Open an incident"]');
  await f.locator('input[name=title]').fill('Ransomware on the dispatch network');
  await f.locator('select[name=type]').selectOption('ransomware');
  await f.locator('select[name=systems]').selectOption(['ems-scada']);
  await page.waitForFunction(() => document.querySelector('#grade')?.innerText === 'general');
  await f.locator('input[name=people_affected]').fill('-5');
  await f.locator('input[name=title]').focus();
  await page.keyboard.press('End');
  await page.keyboard.type(' (x)');
  await page.waitForSelector('.field.invalid[data-field=people_affected]');
  ok((await text('.field.invalid[data-field=people_affected] .err')).includes('people_affected'), 'a bad figure is refused naming its field');
  await page.keyboard.type('!');
  const typed = await f.locator('input[name=title]').inputValue();
  ok(typed === 'Ransomware on the dispatch network (x)!', 'the live check does not take the cursor from the field being typed in: ' + typed);
  await f.locator('input[name=title]').fill('Ransomware on the dispatch network');
  await f.locator('input[name=people_affected]').fill('2000000');
  await page.waitForFunction(() => document.querySelector('#grade')?.innerText === 'major');
  ok((await text('#recipients')).includes('protection work department'), 'a major incident of a CII goes to the protection work department');
  ok((await page.locator('#recipients [data-due]').count()) >= 2, 'each recipient has a countdown');
  await shot('en-incident-new');
  await f.locator('button[type=submit]').click();
  await page.waitForURL(/#\/incidents\/INC-\d{8}-\d{3}$/);
  await ready();
  const incId = decodeURIComponent(page.url().split('/').pop());
  ok((await text('h1 .tag')) === 'major', 'the stored incident is graded major');
  const c1 = await text('#recipients [data-due]');
  await page.waitForFunction((was) => document.querySelector('#recipients [data-due]')?.innerText !== was, c1, { timeout: 5000 });
  ok(/^00:5\d:\d\d$/.test(await text('#recipients [data-due]')), 'the countdown runs down from an hour');
  // a figure changed on the stored incident regrades it live, then is saved
  const edit = page.locator('form[aria-label="Impact figures"]');
  await edit.locator('input[name=pi_subjects_leaked]').fill('150000000');
  await page.waitForFunction(() => document.querySelector('#grade')?.innerText === 'particularly major');
  await edit.locator('button[type=submit]').click();
  await page.waitForFunction(() => document.querySelector('h1 .tag')?.innerText === 'particularly major');
  // a report, generated by the server in English, downloaded
  await page.selectOption('select[name=format]', 'md');
  await page.selectOption('select[name=report_lang]', 'en');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#download-report')]);
  const report = await (await dl.createReadStream()).toArray().then((b) => Buffer.concat(b).toString());
  ok(report.includes(incId) && dl.suggestedFilename().endsWith('.md'), 'the report downloads and names the incident');
  // a submission recorded
  const sub = page.locator('form[aria-label="Record a submission"]');
  await sub.locator('input[name=channel]').fill('phone');
  await sub.locator('button[type=submit]').click();
  await page.waitForFunction(() => document.querySelectorAll('#submissions tbody tr').length === 1);
  // an action recorded: the console sends the incident's ETag (If-Match), as for the submission
  const act = page.locator('form[aria-label="Add an action"]');
  await act.locator('textarea[name=text]').fill('Isolated the affected host');
  await act.locator('button[type=submit]').click();
  await page.waitForFunction(() => document.querySelector('#actions')?.innerText.includes('Isolated the affected host'));
  await shot('en-incident');
  // the dashboard counts down to the open incident's next report
  await go('#/');
  await page.waitForSelector('#open-incidents [data-due]');
  ok((await text('#open-incidents')).includes(incId), 'the dashboard lists the open incident with a countdown');

  // --- the rules: provision by provision, with what each creates, and search ---
  await go('#/catalog');
  await page.waitForSelector('#catalog-content .provision');
  ok((await page.locator('#catalog-content .provision').count()) > 20, 'Order 745 is shown provision by provision');
  ok((await page.locator('#catalog-content .provision .creates').count()) > 5, 'provisions show the obligations they create');
  ok((await page.locator('#catalog-content .provision .sanction').count()) > 5, 'provisions show their penalties');
  await page.fill('input[name=q]', 'within 1 hour');
  await page.waitForSelector('#catalog-content [role=status]');
  ok(/^[1-9]\d* matches/.test(await text('#catalog-content [role=status]')), 'the rule search finds the one-hour clock');
  await shot('en-catalog');

  // --- the operator profile, changed with If-Match ---
  await go('#/operator');
  const opf = page.locator('form[aria-label="Operator"]');
  await opf.locator('input[name=protection_department]').fill('国家能源局 (test)');
  await opf.locator('button[type=submit]').click();
  await page.waitForFunction(() => document.querySelector('#operator')?.innerText.includes('国家能源局 (test)'));
  const opNow = await page.evaluate(async () => (await (await fetch('/api/v1/operator')).json()).protection_department);
  ok(opNow === '国家能源局 (test)', 'the operator profile is changed from the console');

  // --- registers and the audit trail ---
  await go('#/registers/vendor');
  const vf = page.locator('form[aria-label="New record"]');
  await vf.locator('input[name=name]').fill('Acme Model Cloud');
  await vf.locator('select[name=kind]').selectOption('foundation_model_provider');
  await vf.locator('select[name=systems]').selectOption(['grid-agent']);
  await vf.locator('input[name=review_date]').fill('2026-11-02');
  await vf.locator('button[type=submit]').click();
  await page.waitForURL(/#\/registers\/vendor\/VEN-\d+$/);
  await ready();
  ok((await text('#record')).includes('Acme Model Cloud'), 'a vendor is recorded from the console');
  await go('#/registers/vendor');
  ok((await text('#records')).includes('Acme Model Cloud'), 'the vendor register lists it');
  // exported as CSV (a download of GET /exports/vendor), imported from CSV, all or nothing
  const [vdl] = await Promise.all([page.waitForEvent('download'), page.click('#exports a[download="vendor.csv"]')]);
  const exported = readFileSync(await vdl.path(), 'utf8');
  ok(exported.split('\n')[0].startsWith('id,') && exported.includes('Acme Model Cloud'), 'the vendor register is exported as CSV');
  const imf = page.locator('form[aria-label="Import"]');
  await imf.locator('input[type=file]').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('name,kind\nGood one,cloud\nBad one,not_a_kind\n') });
  await imf.locator('button[type=submit]').click();
  await page.waitForSelector('form[aria-label="Import"] .alert.error:not(:empty)');
  ok((await text('form[aria-label="Import"] .alert.error')).includes('kind'), 'a bad row names its field');
  ok(!(await text('#records')).includes('Good one'), 'a bad import stores nothing');
  await imf.locator('input[type=file]').setInputFiles({ name: 'vendors.csv', mimeType: 'text/csv', buffer: Buffer.from('name,kind\nBeta AI,cloud\nGamma 智能,saas_ai_tool\n') });
  await imf.locator('button[type=submit]').click();
  await page.waitForSelector('#flash');
  ok((await text('#flash')).includes('2 created'), 'the import says what it made: ' + await text('#flash'));
  ok((await text('#records')).includes('Gamma 智能'), 'the imported vendors are listed');
  await shot('en-registers');
  // the principal person in charge, and a decision for the principal to approve
  await go('#/registers/person');
  const pf = page.locator('form[aria-label="New record"]');
  await pf.locator('input[name=name]').fill('Wang Wei');
  await pf.locator('select[name=role]').selectOption('principal');
  await pf.locator('button[type=submit]').click();
  await page.waitForURL(/#\/registers\/person\/PER-\d+$/);
  const personId = decodeURIComponent(page.url().split('/').pop());
  await go('#/registers/decision');
  const df = page.locator('form[aria-label="New record"]');
  await df.locator('input[name=title]').fill('Onboard Acme Model Cloud for the grid agent');
  await df.locator('select[name=kind]').selectOption('vendor_onboarding');
  await df.locator('input[name=decided_on]').fill('2026-11-03');
  await df.locator('select[name=participants]').selectOption([personId]);
  await df.locator('button[type=submit]').click();
  await page.waitForURL(/#\/registers\/decision\/DEC-\d+$/);
  const decisionId = decodeURIComponent(page.url().split('/').pop());
  await ready();
  ok(await page.locator('form:has(button:text-is("Approve"))').count() === 0, 'the security officer sees no approval form');
  ok(await page.locator('form [name^=principal_approval]').count() === 0, 'nor approval fields to type');
  const forged = await page.evaluate(async ([id, by]) => {
    const s = await (await fetch('/api/v1/session')).json();
    const tag = (await fetch(`/api/v1/registers/decision/${id}`)).headers.get('ETag');
    return (await fetch(`/api/v1/registers/decision/${id}`, { method: 'PUT', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf, 'If-Match': tag },
      body: JSON.stringify({ principal_approval_by: by, principal_approval_on: '2026-11-04' }) })).status;
  }, [decisionId, personId]);
  ok(forged === 403, `the API refuses an approval typed by the security officer (got ${forged})`);
  await go('#/audit');
  await page.click('#verify');
  await page.waitForSelector('#verify-result .alert.ok');
  ok((await text('#verify-result')).includes('verifies'), 'the audit trail verifies from the console');
  ok((await text('#audit-log')).includes('api:officer'), 'the audit log shows the console user as actor');
  await shot('en-audit');

  // --- language: switched, remembered for the user, official terms ---
  await go('#/');
  await page.click('#lang');
  await page.waitForFunction(() => document.querySelector('h1')?.innerText === '总览');
  ok((await text('header nav')).includes('网络安全事件'), 'the navigation is in Chinese');
  ok((await text('#card-systems')).includes('关键信息基础设施'), 'perimeters use the official term');
  for (const [hash, name] of [['#/', 'dashboard'], ['#/systems', 'systems'], ['#/systems/grid-agent', 'system'], ['#/screening', 'screening'],
    ['#/incidents', 'incidents'], [`#/incidents/${incId}`, 'incident'], ['#/registers/vendor', 'registers'], ['#/catalog', 'catalog'], ['#/audit', 'audit']]) {
    await go(hash);
    if (name === 'catalog') await page.waitForSelector('#catalog-content .provision');
    if (name === 'incident') ok((await text('h1 .tag')) === '特别重大', 'the grade in Chinese is 特别重大');
    await shot('zh-' + name);
  }
  await page.evaluate(() => localStorage.setItem('ciiguard.lang', 'en')); // this browser's own choice
  // sign out; signing in again (with English in this browser) brings the user's Chinese back
  await page.click('#signout');
  await page.waitForSelector('.signin');
  const after = await page.evaluate(async () => (await fetch('/api/v1/me')).status);
  ok(after === 401, 'after sign-out the session no longer works');
  await signIn('officer', 'officer password of the test');
  await page.waitForFunction(() => document.querySelector('h1')?.innerText === '总览');
  const meLang = await page.evaluate(async () => (await (await fetch('/api/v1/me')).json()).lang);
  ok(meLang === 'zh', 'the language is remembered for the user, not the browser');
  await page.click('#lang');
  await page.waitForFunction(() => document.querySelector('h1')?.innerText === 'Dashboard');
  await page.click('#signout');
  await page.waitForSelector('.signin');

  // --- an auditor: reads everything, sees no edit controls; the API refuses edits anyway ---
  await signIn('reader', 'auditor password of the test');
  await page.waitForSelector('#whoami');
  await go('#/systems/ems-scada');
  ok(await page.locator('#edit-system').count() === 0 && await page.locator('#record-screening').count() === 0, 'an auditor sees no system edit controls');
  await go('#/systems');
  ok(await page.locator('#new-system').count() === 0, 'an auditor sees no new-system link');
  ok(await page.locator('form[aria-label="Import"]').count() === 0, 'nor an import of systems');
  await go('#/incidents');
  ok(await page.locator('#new-incident').count() === 0, 'an auditor sees no new-incident link');
  await go(`#/incidents/${incId}`);
  ok(await page.locator('form').count() === 0, 'an auditor sees no incident forms');
  await go('#/registers/vendor');
  ok(await page.locator('form').count() === 0, 'an auditor sees no register forms');
  await go('#/audit');
  ok(await page.locator('#verify').count() === 1, 'an auditor may verify the audit trail');
  const refused = await page.evaluate(async () => {
    const s = await (await fetch('/api/v1/session')).json();
    const r = await fetch('/api/v1/registers/vendor', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf }, body: JSON.stringify({ name: 'Mallory', kind: 'cloud' }) });
    return r.status;
  });
  ok(refused === 403, 'the API refuses an auditor\'s edit (got ' + refused + ')');
  await shot('en-auditor-incident');

  await page.click('#signout');
  await page.waitForSelector('.signin');

  // --- an admin disables a user (If-Match with the user's etag), then enables it again ---
  await signIn('boss', 'admin password of the test');
  await page.waitForSelector('#whoami');
  await go('#/admin');
  const readerRow = page.locator('#users tbody tr:has(td:text-is("reader"))');
  await readerRow.locator('button:text-is("Disable")').click();
  await page.waitForSelector('#users tbody tr:has(td:text-is("reader")) button:text-is("Enable")');
  const readerOff = await page.evaluate(async () => (await (await fetch('/api/v1/users?role=auditor')).json()).items.find((u) => u.name === 'reader').disabled);
  ok(readerOff === true, 'an admin disables a user from the console');
  await page.locator('#users tbody tr:has(td:text-is("reader")) button:text-is("Enable")').click();
  await page.waitForSelector('#users tbody tr:has(td:text-is("reader")) button:text-is("Disable")');
  await page.click('#signout');
  await page.waitForSelector('.signin');

  // --- the principal approves the decision ---
  await signIn('chief', 'principal password of the test');
  await page.waitForSelector('#whoami');
  await go(`#/registers/decision/${decisionId}`);
  const af = page.locator('form:has(button:text-is("Approve"))');
  await af.locator('select[name=by]').selectOption(personId);
  await af.locator('input[name=on]').fill('2026-11-04');
  await af.locator('button[type=submit]').click();
  await page.waitForFunction(() => document.querySelector('#record')?.innerText.includes('2026-11-04'));
  ok((await text('#record')).includes(personId), 'the approval names the principal person');
  await shot('en-decision-approved');

  // --- a tablet width: nothing wider than the screen ---
  await page.setViewportSize({ width: 820, height: 1180 });
  await go('#/');
  await page.waitForSelector('#chart-perimeter svg');
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  ok(wide <= 0, `the dashboard fits a tablet (${wide} px too wide)`);
  await shot('en-tablet-dashboard');
  // forms are keyboard-usable: every control has a label
  await go('#/screening');
  const noLabel = await page.evaluate(() => [...document.querySelectorAll('main input, main select, main textarea')].filter((e) => !e.labels || e.labels.length === 0).map((e) => e.name));
  ok(noLabel.length === 0, 'every form control has a label: ' + noLabel.join(', '));

  ok(problems.length === 0, 'no outside requests and no console errors:\n  ' + problems.join('\n  '));
  writeFileSync(`${shots}/checks.txt`, `${checks} checks passed\n`);
  console.log(`console: ${checks} checks passed`);
} catch (e) {
  await page.screenshot({ path: `${shots}/failure.png`, fullPage: true }).catch(() => {});
  console.error(e.message);
  if (problems.length) console.error('also seen:\n  ' + problems.join('\n  '));
  console.error(`(screenshot of the failure: ${shots}/failure.png; ${checks} checks passed before)`);
  process.exitCode = 1;
} finally {
  await browser.close();
}

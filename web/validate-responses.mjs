// Validates HTTP responses captured by tests/http/api.sh against docs/openapi.json.
//   node web/validate-responses.mjs OPENAPI.json CAPTURE-DIR
// CAPTURE-DIR holds, per request, NAME.req ("METHOD URL"), NAME.head (the status line and
// headers as curl wrote them) and NAME.body. For each response: the path and method must be
// described (a path the document does not know must be a 404 problem, a method it does not list a
// 405 problem), the status must be listed for the operation, the Content-Type must be one the
// document gives for that status, and a JSON body must validate against its schema.
// Exit status: 0 when every response conforms, 1 when one does not, 2 on a usage error.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const [docPath, dir] = process.argv.slice(2);
if (!docPath || !dir) {
  console.error('usage: validate-responses.mjs OPENAPI.json CAPTURE-DIR');
  process.exit(2);
}
const doc = JSON.parse(readFileSync(docPath, 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(doc, 'openapi.json', undefined, false);

const ptr = (segs) => 'openapi.json#/' + segs.map((s) => encodeURIComponent(String(s).replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');
const compiled = new Map();
function validator(segs) {
  const key = segs.join('\u0000');
  if (!compiled.has(key)) compiled.set(key, ajv.compile({ $ref: ptr(segs) }));
  return compiled.get(key);
}
function deref(obj, segs) {
  while (obj && obj.$ref) {
    const p = obj.$ref.replace(/^#\//, '').split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    segs = p;
    obj = p.reduce((o, k) => o[k], doc);
  }
  return [obj, segs];
}

// Templates with fewer parameters win: /systems/{id}/screening before /systems/{id} by length.
const templates = Object.keys(doc.paths).map((t) => {
  const params = (t.match(/\{[^}]+\}/g) || []).length;
  const re = new RegExp('^' + t.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+') + '$');
  return { t, re, params };
}).sort((a, b) => a.params - b.params);

const problemSegs = ['components', 'responses', 'Problem'];
let checked = 0;
const failures = [];
const names = readdirSync(dir).filter((n) => n.endsWith('.req')).map((n) => n.slice(0, -4)).sort();
for (const name of names) {
  const [method, url] = readFileSync(join(dir, name + '.req'), 'utf8').trim().split(' ');
  let head = '';
  try { head = readFileSync(join(dir, name + '.head'), 'latin1'); } catch { /* no response */ }
  const blocks = head.split(/\r?\n\r?\n/).filter((b) => b.startsWith('HTTP/'));
  if (blocks.length === 0) continue; // the server closed the connection: nothing to validate
  const lines = blocks[blocks.length - 1].split(/\r?\n/);
  const status = lines[0].split(' ')[1];
  const headers = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const ctype = (headers['content-type'] || '').split(';')[0].trim();
  const body = readFileSync(join(dir, name + '.body'));
  const path = new URL(url).pathname;
  const shown = path.length > 80 ? path.slice(0, 77) + '...' : path;
  const what = `${method} ${shown} -> ${status}`;
  checked++;

  let responseObj, segs;
  const tpl = templates.find((x) => x.re.test(path));
  const op = tpl && doc.paths[tpl.t][method.toLowerCase()];
  if (!tpl || !op) {
    const want = !tpl ? '404' : '405';
    if (['414', '431'].includes(status)) continue;
    if (![want, '400', '413'].includes(status)) {
      failures.push(`${what}: ${!tpl ? 'path' : 'method'} not in the document, and the status is not ${want}`);
      continue;
    }
    [responseObj, segs] = deref(doc.components.responses.Problem, problemSegs);
  } else {
    // Any request may get 414 or 431 from libmicrohttpd itself, with a short HTML body
    // (info.description says so): nothing more to check.
    if (['414', '431'].includes(status)) continue;
    const key = Object.prototype.hasOwnProperty.call(op.responses, status) ? status
      : Object.prototype.hasOwnProperty.call(op.responses, status[0] + 'XX') ? status[0] + 'XX'
        : Object.prototype.hasOwnProperty.call(op.responses, 'default') ? 'default' : null;
    if (!key) {
      failures.push(`${what}: status ${status} is not documented for ${method.toLowerCase()} ${tpl.t}`);
      continue;
    }
    [responseObj, segs] = deref(op.responses[key], ['paths', tpl.t, method.toLowerCase(), 'responses', key]);
  }
  const content = responseObj.content || {};
  if (Object.keys(content).length === 0) {
    if (body.length !== 0) failures.push(`${what}: the document gives no body, the server sent ${body.length} bytes`);
    continue;
  }
  if (!Object.prototype.hasOwnProperty.call(content, ctype)) {
    failures.push(`${what}: Content-Type ${ctype || '(none)'} is not one of ${Object.keys(content).join(', ')}`);
    continue;
  }
  if (!/json$/.test(ctype)) continue;
  let value;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (e) {
    failures.push(`${what}: the body is not JSON (${e.message})`);
    continue;
  }
  const v = validator([...segs, 'content', ctype, 'schema']);
  if (!v(value)) {
    const errs = v.errors.slice(0, 3).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
    failures.push(`${what}: ${errs}`);
  }
}
for (const f of failures.slice(0, 40)) console.error('FAIL: ' + f);
if (failures.length > 40) console.error(`... and ${failures.length - 40} more`);
console.log(`openapi: ${checked} responses checked against ${docPath}, ${failures.length} do not conform`);
process.exit(failures.length === 0 && checked > 0 ? 0 : 1);

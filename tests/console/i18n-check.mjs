// Every text of the web console exists in English and in Chinese, and every key the console
// asks for exists: a missing one would show the key itself on a page.
//   node tests/console/i18n-check.mjs
import { readFileSync } from 'node:fs';
import { TEXT, LABELS } from '../../web/console/i18n.js';

const src = readFileSync(new URL('../../web/console/app.js', import.meta.url), 'utf8');
const bad = [];
const han = /\p{Script=Han}/u;
for (const [k, v] of Object.entries(TEXT)) {
  if (!Array.isArray(v) || v.length !== 2 || !v[0] || !v[1]) bad.push(`TEXT.${k}: needs [English, Chinese]`);
  else if (k !== 'app' && k !== 'switch_lang' && !han.test(v[1])) bad.push(`TEXT.${k}: the Chinese text has no Chinese: ${v[1]}`);
}
for (const [g, m] of Object.entries(LABELS))
  for (const [k, v] of Object.entries(m))
    if (!Array.isArray(v) || v.length !== 2 || !v[0] || !v[1]) bad.push(`LABELS.${g}.${k}: needs [English, Chinese]`);
// t('key') with a literal key, and t('prefix_' + x) for the perimeter help texts
for (const m of src.matchAll(/\bt\('([a-z_]+)'\)/g)) if (!(m[1] in TEXT)) bad.push(`app.js asks for t('${m[1]}'), which i18n.js lacks`);
for (const p of Object.keys(LABELS.perimeter)) if (!('perimeter_help_' + p in TEXT)) bad.push(`TEXT.perimeter_help_${p} is missing`);
for (const m of src.matchAll(/\blab\('([a-z_]+)'/g)) if (!(m[1] in LABELS)) bad.push(`app.js uses the label group '${m[1]}', which i18n.js lacks`);
// the official terms of Order 745 and the 2025 grading guide
const must = { 'perimeter.cii': '关键信息基础设施', 'grade.particularly_major': '特别重大', 'grade.major': '重大', 'grade.relatively_major': '较大', 'grade.general': '一般',
  'recipient.protection_work_department': '保护工作部门', 'role.security_officer': '专门安全管理机构' };
for (const [path, term] of Object.entries(must)) {
  const [g, k] = path.split('.');
  if (!LABELS[g] || !LABELS[g][k] || LABELS[g][k][1] !== term) bad.push(`LABELS.${path} must be ${term}`);
}
if (!TEXT.incidents[1].includes('网络安全事件')) bad.push('TEXT.incidents must use 网络安全事件');
if (bad.length) { console.error(bad.join('\n')); process.exit(1); }
console.log(`console i18n: ${Object.keys(TEXT).length} texts and ${Object.values(LABELS).reduce((n, m) => n + Object.keys(m).length, 0)} labels in both languages`);

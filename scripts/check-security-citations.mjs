#!/usr/bin/env node
// docs/SECURITY.md names, for each threat, the tests that prove its
// mitigation. This check keeps the table from rotting: every file it cites
// must exist, every e2e test name ("…" after a `tests/….mjs`) must occur in
// that file as a test or describe title, and every unit test (`fn_name` after
// a `src/….rs`) must be a `fn` in that file. It reads the "Proven by" cells
// (the last cell of every table row) and the "Proven by …" sentences.
//
//   node scripts/check-security-citations.mjs [docs/SECURITY.md]
//
// Exit 1 with one line per dangling citation; 0 with a count otherwise.
import { readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const doc = process.argv[2] ?? join(ROOT, 'docs/SECURITY.md');

/** Splits a table row into cells on `|` outside backticks. */
export function cells(row) {
  const out = []; let cur = ''; let tick = false;
  for (const ch of row) {
    if (ch === '`') tick = !tick;
    if (ch === '|' && !tick) { out.push(cur); cur = ''; } else cur += ch;
  }
  out.push(cur);
  return out.slice(1, -1).map((c) => c.trim());
}

/** The citations of one "Proven by" text, in order: {kind: 'file'|'name'|'code', text}. Parentheses outside quotes are comments. */
export function tokens(text) {
  const out = []; let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1; let s = '';
      while (j < text.length && text[j] !== '"') { if (text[j] === '\\' && j + 1 < text.length) j++; s += text[j]; j++; }
      out.push({ kind: 'name', text: s }); i = j + 1;
    } else if (ch === '`') {
      const j = text.indexOf('`', i + 1);
      if (j < 0) break;
      const s = text.slice(i + 1, j);
      out.push({ kind: /^(src|tests|scripts|bench|fuzz)\/[\w./-]+\.(rs|mjs|js)$/.test(s) ? 'file' : 'code', text: s });
      i = j + 1;
    } else if (ch === '(') {
      let depth = 1; let j = i + 1;
      while (j < text.length && depth) { if (text[j] === '(') depth++; if (text[j] === ')') depth--; j++; }
      i = j;
    } else i++;
  }
  return out;
}

const jsVariants = (name) => [name, name.replaceAll("'", "\\'"), name.replaceAll('"', '\\"')];
/** Titles built in a loop (`${method}: the flow …`): each template literal with a `${…}` as a pattern. */
const templates = (src) => [...src.matchAll(/\b(?:test|describe|it)\(\s*`([^`\n]*\$\{[^`\n]*)`/g)].map(([, t]) => new RegExp(
  `^${t.split(/\$\{[^}]*\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+')}$`));
const isTitle = (src, name) => jsVariants(name).some((v) => ['\'', '"', '`'].some((q) => src.includes(`${q}${v}${q}`)))
  || templates(src).some((re) => re.test(name));

export function check(markdown, root = ROOT, label = 'docs/SECURITY.md') {
  const problems = []; let cited = 0;
  const sources = new Map();
  const read = (f) => { if (!sources.has(f)) sources.set(f, existsSync(join(root, f)) ? readFileSync(join(root, f), 'utf8') : null); return sources.get(f); };
  markdown.split('\n').forEach((line, n) => {
    let proven = null;
    if (line.startsWith('|') && !/^\|[-| ]+\|$/.test(line)) {
      const c = cells(line);
      if (c.length >= 3 && c.at(-1) !== 'Proven by') proven = c.at(-1);
    } else if (/^Proven by /.test(line)) proven = line;
    if (!proven) return;
    let file = null;
    for (const t of tokens(proven)) {
      const where = `${label}:${n + 1}`;
      if (t.kind === 'file') {
        file = t.text; cited++;
        if (read(file) === null) problems.push(`${where}: ${file} does not exist`);
      } else if (t.kind === 'name' && file?.endsWith('.mjs')) {
        cited++;
        const src = read(file);
        if (src !== null && !isTitle(src, t.text)) problems.push(`${where}: ${file} has no test "${t.text}"`);
      } else if (t.kind === 'code' && file?.endsWith('.rs') && /^[a-z_][a-z0-9_]*$/.test(t.text)) {
        cited++;
        const src = read(file);
        if (src !== null && !new RegExp(`\\bfn ${t.text}\\b`).test(src)) problems.push(`${where}: ${file} has no fn ${t.text}`);
      } else if (t.kind === 'name' && !file) {
        problems.push(`${where}: the test "${t.text}" names no file before it`);
      }
    }
  });
  return { problems, cited };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { problems, cited } = check(readFileSync(doc, 'utf8'), ROOT, doc);
  for (const p of problems) console.error(p);
  if (problems.length) {
    console.error(`security citations: ${problems.length} of ${cited} do not exist`);
    process.exit(1);
  }
  console.log(`security citations: all ${cited} exist`);
}

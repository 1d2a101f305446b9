#!/usr/bin/env node
// Secret scan of the repository (issue 15, suite 6): every tracked file is
// searched for the shapes of credentials — private keys, Dockyard's own
// tokens (`dy_` API tokens, `dyc_` codes, `dyr_` refresh tokens, `dys_`
// client secrets), AWS, GitHub and Slack keys, and high-entropy values
// assigned to *_SECRET / *_KEY / *_TOKEN / *_PASSWORD names. No download:
// the rules are the table below, run by `npm run check` and `.ci/run`.
//
//   node scripts/secret-scan.mjs            scan `git ls-files`; exit 1 on a finding
//   node scripts/secret-scan.mjs FILE...    scan these files (the test plants one)
//
// Allowed on purpose (the allow-list is `.secret-scan-allow`, one entry a
// line): `path:GLOB` skips a file (test fixtures whose keys are public test
// vectors), `value:TEXT` allows one literal wherever it appears. A line
// with `secret-scan: allow` is skipped too, for a one-off documented example.
import { execFileSync } from 'node:child_process';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const B64URL43 = '[A-Za-z0-9_-]{43}';
export const RULES = [
  { name: 'private key', re: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g },
  { name: 'Dockyard API token (dy_)', re: new RegExp(`(?<![A-Za-z0-9_])dy_${B64URL43}(?![A-Za-z0-9_-])`, 'g') },
  { name: 'Dockyard secret (dyc_/dyr_/dys_)', re: new RegExp(`(?<![A-Za-z0-9_])dy[crs]_${B64URL43}(?![A-Za-z0-9_-])`, 'g') },
  { name: 'AWS access key id', re: /(?<![A-Z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}(?![A-Z0-9])/g },
  { name: 'AWS secret access key', re: /aws_?secret_?access_?key\s*[:=]\s*["']?[A-Za-z0-9/+=]{40}/gi },
  { name: 'GitHub token', re: /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{60,})/g },
  { name: 'Slack token', re: /(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10,}/g },
  { name: 'Slack webhook', re: /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]{16,}/g },
];

/// `NAME_SECRET = "value"`, `"apiKey": "value"`, `SECRETS_KEY=value`, ...
const ASSIGNMENT =
  /([A-Za-z0-9_]*(?:SECRET|_KEY|KEY_|TOKEN|PASSWORD|PASSWD|apiKey|api_key|secret)[A-Za-z0-9_]*)["']?\s*[:=]\s*["'`]?([A-Za-z0-9+/=_\-.~]{20,})/g;
/// Bits per character above which an assigned value is treated as random.
export const ENTROPY_THRESHOLD = 4.0;

export function entropy(s) {
  const counts = new Map();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

function globToRegExp(glob) {
  const re = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\/?/g, '\u0000').replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]').replace(/\u0000/g, '.*');
  return new RegExp(`^${re}$`);
}

export function loadAllowList(file) {
  const allow = { paths: [], values: new Set() };
  if (!existsSync(file)) return allow;
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('path:')) allow.paths.push(globToRegExp(line.slice(5).trim()));
    else if (line.startsWith('value:')) allow.values.add(line.slice(6).trim());
    else throw new Error(`${file}: '${line}' is neither path:GLOB nor value:TEXT`);
  }
  return allow;
}

/// Findings in one file's text: `{ line, rule, match }` (the match shortened).
export function scanText(text, allow = { paths: [], values: new Set() }) {
  const findings = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.includes('secret-scan: allow')) return;
    const report = (rule, match) => {
      if (allow.values.has(match)) return;
      findings.push({ line: i + 1, rule, match: match.length > 12 ? `${match.slice(0, 8)}…` : match });
    };
    const spans = [];
    for (const { name, re } of RULES) {
      for (const m of line.matchAll(re)) {
        spans.push([m.index, m.index + m[0].length]);
        report(name, m[0]);
      }
    }
    for (const m of line.matchAll(ASSIGNMENT)) {
      const value = m[2];
      const at = m.index + m[0].length - value.length;
      // Already reported by a shape rule above.
      if (spans.some(([a, b]) => at < b && a < at + value.length)) continue;
      // A reference to another variable or a placeholder is not a value.
      if (/^[A-Z0-9_]+$/.test(value) || /^(?:x+|\.+|-+)$/i.test(value)) continue;
      // Nor is a member expression (`process.env.API_KEY`, `opts.secret`).
      if (/^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/.test(value)) continue;
      if (entropy(value) >= ENTROPY_THRESHOLD) report(`high-entropy value for ${m[1]}`, value);
    }
  });
  return findings;
}

export function scanFiles(files, allow) {
  const out = [];
  for (const file of files) {
    if (allow.paths.some((re) => re.test(file))) continue;
    if (!existsSync(file) || !statSync(file).isFile() || statSync(file).size > 2 * 1024 * 1024) continue;
    const bytes = readFileSync(file);
    if (bytes.includes(0)) continue; // binary
    for (const f of scanText(bytes.toString('utf8'), allow)) out.push({ file, ...f });
  }
  return out;
}

function main() {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const args = process.argv.slice(2);
  const files = args.length
    ? args
    : execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
  if (!args.length) process.chdir(root);
  const allow = loadAllowList(path.join(root, '.secret-scan-allow'));
  const findings = scanFiles(files, allow);
  for (const f of findings) console.error(`${f.file}:${f.line}: ${f.rule}: ${f.match}`);
  if (findings.length) {
    console.error(`secret scan: ${findings.length} finding(s) in ${files.length} files; remove them, or allow a test ` +
      'fixture in .secret-scan-allow');
    process.exit(1);
  }
  console.log(`secret scan: ok (${files.length} files)`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();

// Size of the Worker's wasm by crate: twiggy's per-function sizes of the
// linked wasm (before wasm-bindgen and wasm-opt, which drop the names),
// summed by the crate that each function's name starts with. Generic code is
// counted where it was defined (core, alloc, hashbrown), not where it was
// instantiated. Run after `npm run build`:
//   node bench/size-crates.mjs [top=30]
// twiggy is installed on first use (cargo install twiggy).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const wasm = 'target/wasm32-unknown-unknown/release/dockyard.wasm';
const top = Number(process.argv[2] ?? 30);
const twiggy = join(homedir(), '.cargo/bin/twiggy');
if (!existsSync(wasm)) throw new Error(`no ${wasm}: run npm run build first`);
if (!existsSync(twiggy)) execFileSync('cargo', ['install', '--locked', 'twiggy', '--version', '0.8.0'], { stdio: 'inherit' });
const csv = execFileSync(twiggy, ['top', '-n', '10000000', '-f', 'csv', wasm], { maxBuffer: 1 << 30 }).toString();

/** Splits one CSV line (quoted fields may hold commas and doubled quotes). */
function fields(line) {
  const out = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted && c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) { out.push(cur); cur = ''; } else cur += c;
  }
  out.push(cur);
  return out;
}

/** The crate of a symbol: `<serde_json::de::X as Trait>::f` -> serde_json; sections keep their name. */
function crateOf(name) {
  if (/^(data segment|custom section|"function names"|elem|type\[|import |export |table|memory|global)/.test(name)) return `[${name}]`;
  const m = name.replace(/^<+/, '').replace(/^(&mut |&|dyn |\*const |\*mut |\[)+/, '').match(/^[A-Za-z_][A-Za-z0-9_]*/);
  let crate = m ? m[0] : '?';
  if (['core', 'alloc', 'std'].includes(crate)) {
    const via = name.match(/ as ([A-Za-z_][A-Za-z0-9_]*)::/);
    if (via && !['core', 'alloc', 'std'].includes(via[1])) crate = via[1];
  }
  return crate;
}

const sums = new Map();
let total = 0;
for (const line of csv.split('\n').slice(1)) {
  if (!line) continue;
  const [name, size] = fields(line);
  const bytes = Number(size);
  if (!Number.isFinite(bytes) || name.startsWith('Σ') || name.startsWith('...')) continue;
  sums.set(crateOf(name), (sums.get(crateOf(name)) ?? 0) + bytes);
  total += bytes;
}
console.log(`${wasm}: ${total} bytes`);
for (const [crate, bytes] of [...sums].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${String(bytes).padStart(9)}  ${(100 * bytes / total).toFixed(1).padStart(5)}%  ${crate}`);
}
